import type { ClickHouseClient } from "@clickhouse/client";
import { z } from "zod";
import { PLATFORMS } from "../../platform.ts";
import { queryRows } from "../query.ts";

/** Per-minute product views, one partition per (source-folder day, platform) (migration 0001). */
export const PRODUCT_VIEWS_PER_MINUTE_TABLE = "product_views_per_minute_v1";

/**
 * One row of product_views_per_minute_v1. `minute` is the UTC instant of the minute's start as
 * `YYYY-MM-DD HH:MM:SS` (date_time_output_format=simple); `views` arrives quoted
 * (output_format_json_quote_64bit_integers=1) and is read as a number: a per-minute count stays
 * far below 2^53.
 */
export const ProductViewsPerMinuteSchema = z.object({
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  platform: z.enum(PLATFORMS),
  minute: z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:00$/),
  product: z.string().min(1),
  views: z.coerce.number().int().nonnegative(),
});
export type ProductViewsPerMinute = z.infer<typeof ProductViewsPerMinuteSchema>;

/** The per-minute views of the source days `from`..`to` (both included), in table order. */
export function getProductViewsPerMinute(
  client: ClickHouseClient,
  { from, to }: { from: string; to: string },
): Promise<ProductViewsPerMinute[]> {
  return queryRows(client, {
    name: "get_product_views_per_minute",
    query: `SELECT day, platform, minute, product, views
            FROM ${PRODUCT_VIEWS_PER_MINUTE_TABLE}
            WHERE day BETWEEN {from:Date} AND {to:Date}
            ORDER BY day, platform, product, minute`,
    params: { from, to },
    schema: ProductViewsPerMinuteSchema,
  });
}

/** What one (day, platform) partition of product views holds, in summary. */
export const ProductViewTotalsSchema = z.object({
  day: z.string(),
  platform: z.enum(PLATFORMS),
  views: z.coerce.number().int().nonnegative(),
  products: z.coerce.number().int().nonnegative(),
  rows: z.coerce.number().int().nonnegative(),
  first_minute: z.string(),
  last_minute: z.string(),
});
export type ProductViewTotals = z.infer<typeof ProductViewTotalsSchema>;

/** Totals per (day, platform) of the source days `from`..`to`: views, distinct products, rows, first and last minute. */
export function getProductViewTotals(
  client: ClickHouseClient,
  { from, to }: { from: string; to: string },
): Promise<ProductViewTotals[]> {
  return queryRows(client, {
    name: "get_product_view_totals",
    query: `SELECT day, platform, sum(views) AS views, uniqExact(product) AS products, count() AS rows,
                   min(minute) AS first_minute, max(minute) AS last_minute
            FROM ${PRODUCT_VIEWS_PER_MINUTE_TABLE}
            WHERE day BETWEEN {from:Date} AND {to:Date}
            GROUP BY day, platform
            ORDER BY day, platform`,
    params: { from, to },
    schema: ProductViewTotalsSchema,
  });
}

/** Which products `getProductsWithViews` lists. */
export interface ProductsWithViewsFilter {
  /** Products starting with this text (byte-wise, case-sensitive); empty: every product. */
  prefix: string;
  /** Views from `start` (included) to `end` (excluded), UTC epoch seconds. */
  start: number;
  end: number;
  /** The partitions (source-folder days) that can hold those views; the caller adds its slack. */
  firstDay: string;
  lastDay: string;
  platform?: string;
  /** At most this many products. */
  limit: number;
}

const ProductNameSchema = z.object({ product: z.string() });

/**
 * The products with at least one view in a range, in byte order, at most `limit`. `day` prunes
 * partitions, and the prefix is a range of the primary key's first column, which ClickHouse reads
 * in order, part by part, and stops reading at the limit. Reading in order starts with a block of
 * every part in range: small blocks keep that start cheap when the range spans many days (about
 * three times faster, measured by bench/api/products.ts: docs/BENCHMARKS.md).
 */
export async function getProductsWithViews(
  client: ClickHouseClient,
  filter: ProductsWithViewsFilter,
): Promise<string[]> {
  const rows = await queryRows(client, {
    name: "get_products_with_views",
    query: `SELECT DISTINCT product
            FROM ${PRODUCT_VIEWS_PER_MINUTE_TABLE}
            WHERE day BETWEEN {firstDay:Date} AND {lastDay:Date}
              AND minute >= toDateTime({start:UInt32}, 'UTC') AND minute < toDateTime({end:UInt32}, 'UTC')
              AND startsWith(product, {prefix:String})${filter.platform === undefined ? "" : "\n              AND platform = {platform:String}"}
            ORDER BY product
            LIMIT {limit:UInt32}
            SETTINGS max_block_size = 1024`,
    params: { ...filter },
    schema: ProductNameSchema,
  });
  return rows.map((row) => row.product);
}
