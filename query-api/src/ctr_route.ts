import { CtrQuerySchema, CtrRequestSchema, CtrRowSchema } from "@ctr/schemas";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./app_env.ts";
import { ARROW_CTR_COLUMNS, ctrBodies, ctrOk, getAndPostRoutes, RESULT_TOO_LARGE } from "./ctr_answer.ts";
import { buildCtrQuery, toCtrQueryParams } from "./ctr_query.ts";
import { boundCtrRows } from "./ctr_result_bound.ts";
import { chooseCtrTables } from "./ctr_tier.ts";
import { DATA_ERRORS, inputError } from "./openapi.ts";
import { refusalOf } from "./request_input.ts";

export const CTR_EXAMPLE = {
  startTimestamp: "2016-02-01 10:00:00",
  endTimestamp: "2016-02-01 12:00:00",
  aggregation: 60,
};

const CTR_BODIES = ctrBodies(
  CtrRowSchema,
  "timestamp,platform,product,CTR,purchases,productViews",
  Object.values(ARROW_CTR_COLUMNS).join(", "),
);

const CTR_RESPONSES = {
  200: ctrOk(
    "One row per (bucket, platform, product) with a view or a purchase, ordered by timestamp, platform, product (byte order).",
    CTR_BODIES,
  ),
  ...inputError(refusalOf(CtrRequestSchema, { ...CTR_EXAMPLE, aggregation: 0 })),
  ...RESULT_TOO_LARGE,
  ...DATA_ERRORS,
};

/** `GET /ctr?startTimestamp=...` and `POST /ctr` with the same fields as a JSON body. */
export function ctrRoutes(): OpenAPIHono<AppEnv> {
  return getAndPostRoutes({
    path: "/ctr",
    name: "Ctr",
    summary: "CTR per bucket, platform and product",
    description:
      "Buckets start at startTimestamp and are `aggregation` minutes wide; the last one is cut at endTimestamp. Rows only for buckets with a view or a purchase.",
    query: CtrQuerySchema,
    body: CtrRequestSchema,
    example: CTR_EXAMPLE,
    responses: CTR_RESPONSES,
    answer: (request) => ({
      route: "/ctr",
      request,
      query: (rollups) => buildCtrQuery(request, chooseCtrTables(request, { rollups })),
      bound: (store, maxResultRows) => boundCtrRows(store, request, toCtrQueryParams(request), maxResultRows),
    }),
  });
}
