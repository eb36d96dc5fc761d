import {
  CLICKHOUSE_GMT3,
  type CtrRequest,
  type CtrTotalsRequest,
  formatDay,
  GMT3_OFFSET_MS,
  viewFolderDays,
} from "@ctr/schemas";
import { type CtrTables, chooseCtrTables } from "./ctr_tier.ts";

/** The bound parameters of the /ctr queries. Every value the client sent travels here, never in the SQL text. */
export interface CtrQueryParams {
  /** Range start and end (exclusive) as UTC epoch seconds, and the bucket width in seconds. */
  start: number;
  end: number;
  step: number;
  /** Partitions to read: the views' folder days (UTC) and the purchases' GMT-3 days. */
  viewsFirstDay: string;
  viewsLastDay: string;
  purchasesFirstDay: string;
  purchasesLastDay: string;
  product?: string;
  platform?: string;
  /** /ctr/top only: how many products, and the fewest views a listed product has. */
  limit?: number;
  minViews?: number;
}

/**
 * The one statement a /ctr request runs, and its bound parameters. The row limit is enforced by the
 * same statement (ctr_body.ts), not by a count before it.
 */
export interface CtrQuery {
  params: CtrQueryParams;
  /** The result rows, rendered and ordered as the contract wants (add `FORMAT` and `SETTINGS` by the caller). */
  rows: string;
}

/**
 * The GMT-3 calendar day of an instant. Purchases are partitioned by it (order_date is GMT-3 wall
 * time), so the days of [start, end) are exactly the partitions that can hold purchases in range.
 */
function gmt3Day(epochMs: number): string {
  return formatDay(new Date(epochMs + GMT3_OFFSET_MS));
}

/** Turns a validated request into bound parameters. */
export function toCtrQueryParams(request: CtrRequest): CtrQueryParams {
  const startMs = request.startTimestamp.epochMs;
  const lastMs = request.endTimestamp.epochMs - 1;
  // A views partition is the UTC day of its source FOLDER, and a folder stores views up to
  // VIEW_FOLDER_SLACK_DAYS from its day (no further: the ingest refuses them), so widening the
  // range's days by that slack reads every partition that can hold a view in range.
  const viewDays = viewFolderDays(startMs, lastMs);
  return {
    start: startMs / 1000,
    end: request.endTimestamp.epochMs / 1000,
    step: request.aggregation * 60,
    viewsFirstDay: viewDays.first,
    viewsLastDay: viewDays.last,
    purchasesFirstDay: gmt3Day(startMs),
    purchasesLastDay: gmt3Day(lastMs),
    ...(request.product !== undefined ? { product: request.product } : {}),
    ...(request.platform !== undefined ? { platform: request.platform } : {}),
  };
}

/**
 * The WHERE clause of a table: the range [start, end) on the minute (the primary key prunes
 * granules; a CTR rollup's partitions are a function of the minute, so it prunes them too), the
 * source partitions of a per-minute table (`day`), and the optional filters. Only fixed SQL is
 * chosen here; the filter values are bound.
 */
function where(params: CtrQueryParams, days?: [string, string]): string {
  return [
    ...(days ? [`day BETWEEN {${days[0]}:Date} AND {${days[1]}:Date}`] : []),
    "minute >= toDateTime({start:UInt32}, 'UTC') AND minute < toDateTime({end:UInt32}, 'UTC')",
    ...(params.product !== undefined ? ["product = {product:String}"] : []),
    ...(params.platform !== undefined ? ["platform = {platform:String}"] : []),
  ].join("\n      AND ");
}

// Buckets start at startTimestamp, not at the epoch (which toStartOfInterval would use): minute m
// belongs to bucket start + floor((m - start) / step) * step. The cut last bucket needs nothing
// special: the range filter already stops at end.
const BUCKET = "{start:UInt32} + intDiv(toUInt32(minute) - {start:UInt32}, {step:UInt32}) * {step:UInt32}";

/** What an answer's rows are per: /ctr's (bucket, platform, product), the totals' (bucket, platform), a product. */
export type CtrGrouping = readonly ("bucket" | "platform" | "product")[];

const PER_PRODUCT: CtrGrouping = ["bucket", "platform", "product"];
const TOTALS: CtrGrouping = ["bucket", "platform"];

const GROUP_KEYS = { bucket: `${BUCKET} AS bucket`, platform: "toString(platform) AS platform", product: "product" };

/** Views and purchases per group of rows that hold both counts. */
function grouped(keys: CtrGrouping, from: string, filter?: string): string {
  return `
  SELECT ${keys.map((key) => GROUP_KEYS[key]).join(", ")}, sum(views) AS views, sum(purchases) AS purchases
  FROM ${from}${filter ? `\n  WHERE ${filter}` : ""}
  GROUP BY ${keys.join(", ")}`;
}

/**
 * Views and purchases per group (by default /ctr's). A CTR rollup holds both: one read. The
 * per-minute tables hold one each: both tables' rows in range, UNION ALL, summed by one GROUP BY, so
 * a key present in one table only gets 0 for the other. Measured against the FULL OUTER JOIN of the
 * two aggregated sides on the week workload, request by request in one run
 * (bench/api/week/variants.ts, docs/BENCHMARKS.md): 10% less engine time, with the same rows.
 */
export function combined(params: CtrQueryParams, tables: CtrTables, keys: CtrGrouping = PER_PRODUCT): string {
  if ("both" in tables) return grouped(keys, tables.both, where(params));
  return grouped(
    keys,
    `(
    SELECT minute, platform, product, views, toUInt64(0) AS purchases FROM ${tables.views}
    WHERE ${where(params, ["viewsFirstDay", "viewsLastDay"])}
    UNION ALL
    SELECT minute, platform, product, toUInt64(0) AS views, purchases FROM ${tables.purchases}
    WHERE ${where(params, ["purchasesFirstDay", "purchasesLastDay"])}
  )`,
  );
}

/**
 * CTR of two UInt64 columns, rounded half up exactly, in integers:
 * round(p / v, 4) = floor((p * 20000 + v) / (2 * v)) / 10^4. ClickHouse's round() on a Float64 gives
 * 0.0312 for 1/32; this gives 0.0313. The result is a Decimal(38, 4), which ClickHouse renders with
 * its four decimals (output_format_decimal_trailing_zeros, set for every query in schemas'
 * OUTPUT_SETTINGS); NULL without views.
 */
export function ctrSql(purchases: string, views: string): string {
  return `if(${views} = 0, NULL, toDecimal128(intDiv(${purchases} * 20000 + ${views}, 2 * ${views}), 4) / 10000)`;
}

/** The GMT-3 wall-clock text of the bucket column. */
const TIMESTAMP = `formatDateTime(toDateTime(bucket, '${CLICKHOUSE_GMT3}'), '%Y-%m-%d %H:%i:%S') AS timestamp`;

/**
 * The statement of rows per bucket: /ctr's per (bucket, platform, product), or the totals per
 * (bucket, platform) with CTR from the sums. The order is byte order: String compares bytes.
 */
function bucketedRows(request: CtrRequest, tables: CtrTables, keys: CtrGrouping): CtrQuery {
  const params = toCtrQueryParams(request);
  return {
    params,
    rows: `
SELECT
  ${TIMESTAMP},
  platform,${keys.includes("product") ? "\n  product," : ""}
  ${ctrSql("purchases", "views")} AS CTR,
  purchases,
  views AS productViews
FROM (${combined(params, tables, keys)}
)
ORDER BY ${keys.join(", ")}`,
  };
}

/**
 * Builds the /ctr statement for a request, reading `tables` (by default the coarsest that gives the
 * per-minute answer: ctr_tier.ts; every tier has the per-minute columns, `minute` its period's start).
 */
export function buildCtrQuery(request: CtrRequest, tables: CtrTables = chooseCtrTables(request)): CtrQuery {
  return bucketedRows(request, tables, PER_PRODUCT);
}

/**
 * The /ctr/totals statement: /ctr's buckets and sums with the products summed away, one row per
 * (bucket, platform), its CTR from the sums by the same rounding.
 */
export function buildCtrTotalsQuery(request: CtrTotalsRequest, tables: CtrTables = chooseCtrTables(request)): CtrQuery {
  return bucketedRows(request, tables, TOTALS);
}
