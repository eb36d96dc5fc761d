import { CtrQuerySchema, type CtrRequest, CtrRequestSchema, CtrRowSchema } from "@ctr/schemas";
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "./app_env.ts";
import { ARROW_CTR_COLUMNS, ctrBodies, ctrOk, RESULT_TOO_LARGE, serveCtrAnswer } from "./ctr_answer.ts";
import { buildCtrQuery } from "./ctr_query.ts";
import { chooseCtrTables } from "./ctr_tier.ts";
import { BODY_TOO_LARGE, DATA_ERRORS, inputError, serveOperation } from "./openapi.ts";
import { readBody, readQuery, refusalOf } from "./request_input.ts";

function serveCtr(c: Context<AppEnv>, request: CtrRequest): Promise<Response> {
  return serveCtrAnswer(c, {
    route: "/ctr",
    request,
    query: (rollups) => buildCtrQuery(request, chooseCtrTables(request, { rollups })),
  });
}

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

export const getCtrRoute = createRoute({
  method: "get",
  path: "/ctr",
  operationId: "getCtr",
  tags: ["CTR"],
  summary: "CTR per bucket, platform and product",
  description:
    "Buckets start at startTimestamp and are `aggregation` minutes wide; the last one is cut at endTimestamp. Rows only for buckets with a view or a purchase.",
  request: { query: CtrQuerySchema },
  responses: CTR_RESPONSES,
});

export const postCtrRoute = createRoute({
  method: "post",
  path: "/ctr",
  operationId: "postCtr",
  tags: ["CTR"],
  summary: "CTR per bucket, platform and product, the fields in a JSON body",
  description: "The same as GET /ctr; aggregation may be a number. No query parameters.",
  request: {
    body: { required: true, content: { "application/json": { schema: CtrRequestSchema, example: CTR_EXAMPLE } } },
  },
  responses: { ...CTR_RESPONSES, ...BODY_TOO_LARGE },
});

/** `GET /ctr?startTimestamp=...` and `POST /ctr` with the same fields as a JSON body. */
export function ctrRoutes(): OpenAPIHono<AppEnv> {
  const routes = new OpenAPIHono<AppEnv>();
  serveOperation(routes, getCtrRoute, (c) => serveCtr(c, readQuery(c, getCtrRoute)));
  serveOperation(routes, postCtrRoute, async (c) => serveCtr(c, await readBody(c, postCtrRoute)));
  return routes;
}
