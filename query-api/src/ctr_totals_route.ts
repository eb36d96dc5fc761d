import { CtrTotalsQuerySchema, type CtrTotalsRequest, CtrTotalsRequestSchema, CtrTotalsRowSchema } from "@ctr/schemas";
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "./app_env.ts";
import { ARROW_CTR_COLUMNS, ctrBodies, ctrOk, RESULT_TOO_LARGE, serveCtrAnswer } from "./ctr_answer.ts";
import { buildCtrTotalsQuery } from "./ctr_query.ts";
import { CTR_EXAMPLE } from "./ctr_route.ts";
import { chooseCtrTables } from "./ctr_tier.ts";
import { BODY_TOO_LARGE, DATA_ERRORS, inputError, serveOperation } from "./openapi.ts";
import { readBody, readQuery, refusalOf } from "./request_input.ts";

function serveTotals(c: Context<AppEnv>, request: CtrTotalsRequest): Promise<Response> {
  return serveCtrAnswer(c, {
    route: "/ctr/totals",
    request,
    query: (rollups) => buildCtrTotalsQuery(request, chooseCtrTables(request, { rollups })),
  });
}

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

export const getCtrTotalsRoute = createRoute({
  method: "get",
  path: "/ctr/totals",
  operationId: "getCtrTotals",
  tags: ["CTR"],
  summary: "CTR per bucket and platform, over every product",
  description:
    "The /ctr request without product: the same buckets, the same rounding and null, with the products summed. Its counts are the sums of /ctr's rows for the same request.",
  request: { query: CtrTotalsQuerySchema },
  responses: TOTALS_RESPONSES,
});

export const postCtrTotalsRoute = createRoute({
  method: "post",
  path: "/ctr/totals",
  operationId: "postCtrTotals",
  tags: ["CTR"],
  summary: "CTR per bucket and platform over every product, the fields in a JSON body",
  description: "The same as GET /ctr/totals; aggregation may be a number. No query parameters.",
  request: {
    body: {
      required: true,
      content: { "application/json": { schema: CtrTotalsRequestSchema, example: CTR_EXAMPLE } },
    },
  },
  responses: { ...TOTALS_RESPONSES, ...BODY_TOO_LARGE },
});

/** `GET /ctr/totals?startTimestamp=...` and `POST /ctr/totals` with the same fields as a JSON body. */
export function ctrTotalsRoutes(): OpenAPIHono<AppEnv> {
  const routes = new OpenAPIHono<AppEnv>();
  serveOperation(routes, getCtrTotalsRoute, (c) => serveTotals(c, readQuery(c, getCtrTotalsRoute)));
  serveOperation(routes, postCtrTotalsRoute, async (c) => serveTotals(c, await readBody(c, postCtrTotalsRoute)));
  return routes;
}
