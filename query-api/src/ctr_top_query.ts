import type { CtrRequest, CtrTopRequest, TopRanking } from "@ctr/schemas";
import { type CtrGrouping, type CtrQuery, combined, ctrSql, toCtrQueryParams } from "./ctr_query.ts";
import { type CtrTables, chooseCtrTables } from "./ctr_tier.ts";

/** The normal quantile of a two-sided 95% interval, Φ⁻¹(0.975): the z of the Wilson score interval. */
export const WILSON_Z = 1.959963984540054;

const PER_PRODUCT_OVER_RANGE: CtrGrouping = ["product"];

/**
 * The /ctr/top range as a /ctr request of one bucket: the whole range as the aggregation. The tier
 * choice (ctr_tier.ts) then reads the coarsest rollup whose periods tile the range (whole GMT-3 days:
 * the daily rollup), and the per-minute tables otherwise, as /ctr would for that request.
 */
export function oneBucketRequest(request: CtrTopRequest): CtrRequest {
  const { startTimestamp, endTimestamp, platform } = request;
  return {
    startTimestamp,
    endTimestamp,
    aggregation: (endTimestamp.epochMs - startTimestamp.epochMs) / 60_000,
    ...(platform !== undefined ? { platform } : {}),
  };
}

/** A Float64 rounded half up to four decimals, as a Decimal(38, 4) like CTR. */
const fourDecimalsHalfUp = (x: string) => `toDecimal128(floor(${x} * 10000 + 0.5), 4) / 10000`;

/**
 * The 95% Wilson score interval of `successes` out of `trials` (both UInt64, trials > 0):
 * (p + z²/2n ± z·sqrt(p(1−p)/n + z²/4n²)) / (1 + z²/n). Purchases may outnumber the views (a product
 * bought without being viewed in range): the interval caps them at the views, p = 1.
 */
function wilsonSql(purchases: string, views: string, sign: "+" | "-"): string {
  const n = `toFloat64(${views})`;
  const p = `(least(${purchases}, ${views}) / ${n})`;
  const z2 = `${WILSON_Z * WILSON_Z}`;
  const bound = `(${p} + ${z2} / (2 * ${n}) ${sign} ${WILSON_Z} * sqrt(${p} * (1 - ${p}) / ${n} + ${z2} / (4 * ${n} * ${n}))) / (1 + ${z2} / ${n})`;
  return `if(${views} = 0, NULL, ${fourDecimalsHalfUp(`greatest(0, least(1, ${bound}))`)})`;
}

// The ranking's first key, chosen from a fixed list; never from the request's text.
const RANKED_BY: Record<TopRanking, string> = {
  views: "productViews DESC",
  purchases: "purchases DESC",
  ctr: "ctrLow DESC NULLS LAST",
};

/**
 * The /ctr/top statement: each product's views and purchases over the whole range (per platform
 * when one is asked for, else over all of them), its CTR as /ctr rounds it and its Wilson interval,
 * the `limit` best by `by`, ties by product in byte order. `limit` and `minViews` are bound. The
 * interval is computed here, in the statement, so every format's body is the engine's bytes.
 */
export function buildCtrTopQuery(
  request: CtrTopRequest,
  tables: CtrTables = chooseCtrTables(oneBucketRequest(request)),
): CtrQuery {
  const params = {
    ...toCtrQueryParams(oneBucketRequest(request)),
    limit: request.limit,
    minViews: request.minViews ?? 0,
  };
  return {
    params,
    rows: `
SELECT
  product,
  ${ctrSql("purchases", "views")} AS CTR,
  ${wilsonSql("purchases", "views", "-")} AS ctrLow,
  ${wilsonSql("purchases", "views", "+")} AS ctrHigh,
  purchases,
  views AS productViews
FROM (${combined(params, tables, PER_PRODUCT_OVER_RANGE)}
)
WHERE views >= {minViews:UInt64}
ORDER BY ${RANKED_BY[request.by]}, product
LIMIT {limit:UInt32}`,
  };
}
