import type { CtrQueryParams } from "@ctr/query-api";
import { CLICKHOUSE_GMT3, PRODUCT_VIEWS_PER_MINUTE_TABLE, PURCHASES_PER_MINUTE_TABLE } from "@ctr/schemas";

/**
 * The /ctr rows with a FULL OUTER JOIN of the two aggregated sides instead of the API's UNION ALL +
 * one GROUP BY (the API's form before the CTR rollups): the same bound parameters, the same rows.
 */
export function joinRows(params: CtrQueryParams): string {
  const bucket = "{start:UInt32} + intDiv(toUInt32(minute) - {start:UInt32}, {step:UInt32}) * {step:UInt32}";
  const filters = [
    "minute >= toDateTime({start:UInt32}, 'UTC') AND minute < toDateTime({end:UInt32}, 'UTC')",
    ...(params.product !== undefined ? ["product = {product:String}"] : []),
    ...(params.platform !== undefined ? ["platform = {platform:String}"] : []),
  ].join(" AND ");
  const side = (table: string, column: string, first: string, last: string) =>
    `SELECT ${bucket} AS bucket, toString(platform) AS platform, product, sum(${column}) AS ${column} FROM ${table}
     WHERE day BETWEEN {${first}:Date} AND {${last}:Date} AND ${filters}
     GROUP BY bucket, platform, product`;
  return `
SELECT formatDateTime(toDateTime(bucket, '${CLICKHOUSE_GMT3}'), '%Y-%m-%d %H:%i:%S') AS timestamp, platform, product,
  if(views = 0, NULL, toDecimal128(intDiv(purchases * 20000 + views, 2 * views), 4) / 10000) AS CTR,
  purchases, views AS productViews
FROM (
  SELECT bucket, platform, product, coalesce(v.views, 0) AS views, coalesce(p.purchases, 0) AS purchases
  FROM (${side(PRODUCT_VIEWS_PER_MINUTE_TABLE, "views", "viewsFirstDay", "viewsLastDay")}) AS v
  FULL OUTER JOIN (${side(PURCHASES_PER_MINUTE_TABLE, "purchases", "purchasesFirstDay", "purchasesLastDay")}) AS p
  USING (bucket, platform, product)
)
ORDER BY bucket, platform, product`;
}
