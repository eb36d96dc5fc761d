import { CtrTopRequestSchema, CtrTopRowSchema } from "@ctr/schemas";
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./app_env.ts";
import { ctrBodies, ctrOk, serveCtrAnswer } from "./ctr_answer.ts";
import { chooseCtrTables } from "./ctr_tier.ts";
import { buildCtrTopQuery, oneBucketRequest } from "./ctr_top_query.ts";
import { DATA_ERRORS, inputError, serveOperation } from "./openapi.ts";
import { readQuery, refusalOf } from "./request_input.ts";

const TOP_EXAMPLE = {
  startTimestamp: "2016-02-01 00:00:00",
  endTimestamp: "2016-02-08 00:00:00",
  by: "ctr",
  limit: "10",
};

export const getCtrTopRoute = createRoute({
  method: "get",
  path: "/ctr/top",
  operationId: "getCtrTop",
  tags: ["CTR"],
  summary: "Top products over a range, by views, purchases or CTR",
  description:
    "Each product's views and purchases over the whole range (of one platform, or of all), its CTR and the 95% Wilson score interval of its CTR. `by=ctr` ranks by ctrLow, the interval's lower end, so thin evidence ranks low: 1 purchase on 1 view has ctrLow 0.2065, below 81 purchases on 263 views (0.2553); minViews leaves such products out. Ties by product in byte order. Whole GMT-3 days are read from the daily rollup.",
  request: { query: CtrTopRequestSchema },
  responses: {
    200: ctrOk(
      "At most `limit` products with at least `minViews` views, best first.",
      ctrBodies(
        CtrTopRowSchema,
        "product,CTR,ctrLow,ctrHigh,purchases,productViews",
        "product Utf8, CTR, ctrLow and ctrHigh Decimal128(38, 4) nullable (four decimals; null without views), purchases Uint64, productViews Uint64",
      ),
    ),
    ...inputError(refusalOf(CtrTopRequestSchema, { ...TOP_EXAMPLE, limit: "0" })),
    ...DATA_ERRORS,
  },
});

/** `GET /ctr/top?startTimestamp=...&endTimestamp=...&by=...&limit=...`. */
export function ctrTopRoutes(): OpenAPIHono<AppEnv> {
  const routes = new OpenAPIHono<AppEnv>();
  serveOperation(routes, getCtrTopRoute, (c) => {
    const request = readQuery(c, getCtrTopRoute);
    return serveCtrAnswer(c, {
      route: "/ctr/top",
      request,
      query: (rollups) => buildCtrTopQuery(request, chooseCtrTables(oneBucketRequest(request), { rollups })),
    });
  });
  return routes;
}
