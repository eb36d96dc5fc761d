import { CtrTotalsQuerySchema, CtrTotalsRequestSchema, CtrTotalsRowSchema } from "@ctr/schemas";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./app_env.ts";
import { ARROW_CTR_COLUMNS, ctrBodies, ctrOk, getAndPostRoutes, RESULT_TOO_LARGE } from "./ctr_answer.ts";
import { buildCtrTotalsQuery } from "./ctr_query.ts";
import { CTR_EXAMPLE } from "./ctr_route.ts";
import { chooseCtrTables } from "./ctr_tier.ts";
import { DATA_ERRORS, inputError } from "./openapi.ts";
import { refusalOf } from "./request_input.ts";

const { product: _perProduct, ...TOTALS_COLUMNS } = ARROW_CTR_COLUMNS;

const TOTALS_RESPONSES = {
  200: ctrOk(
    "One row per (bucket, platform) with a view or a purchase, purchases and views summed over every product and CTR computed from the sums (rounded as /ctr rounds), ordered by timestamp, then platform.",
    ctrBodies(
      CtrTotalsRowSchema,
      "timestamp,platform,CTR,purchases,productViews",
      Object.values(TOTALS_COLUMNS).join(", "),
    ),
  ),
  ...inputError(refusalOf(CtrTotalsRequestSchema, { ...CTR_EXAMPLE, product: "20001829_048" })),
  ...RESULT_TOO_LARGE,
  ...DATA_ERRORS,
};

/** `GET /ctr/totals?startTimestamp=...` and `POST /ctr/totals` with the same fields as a JSON body. */
export function ctrTotalsRoutes(): OpenAPIHono<AppEnv> {
  return getAndPostRoutes({
    path: "/ctr/totals",
    name: "CtrTotals",
    summary: "CTR per bucket and platform, over every product",
    description:
      "The /ctr request without product: the same buckets, the same rounding and null, with the products summed. Its counts are the sums of /ctr's rows for the same request.",
    query: CtrTotalsQuerySchema,
    body: CtrTotalsRequestSchema,
    example: CTR_EXAMPLE,
    responses: TOTALS_RESPONSES,
    answer: (request) => ({
      route: "/ctr/totals",
      request,
      query: (rollups) => buildCtrTotalsQuery(request, chooseCtrTables(request, { rollups })),
    }),
  });
}
