import type { ClickHouseClient } from "@clickhouse/client";
import { z } from "zod";
import { PLATFORMS } from "../../platform.ts";
import { queryRows, StoreError } from "../query.ts";

/** Per-minute purchases, partitioned by the GMT-3 day of the orders (migration 0001). */
export const PURCHASES_PER_MINUTE_TABLE = "purchases_per_minute_v1";

/**
 * One row of purchases_per_minute_v1. `minute` is the UTC instant of the minute's start as
 * `YYYY-MM-DD HH:MM:SS` (date_time_output_format=simple); `purchases` arrives quoted
 * (output_format_json_quote_64bit_integers=1) and is read as a number: a per-minute count stays far
 * below 2^53.
 */
export const PurchasesPerMinuteSchema = z.object({
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  platform: z.enum(PLATFORMS),
  minute: z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:00$/),
  product: z.string().min(1),
  purchases: z.coerce.number().int().nonnegative(),
});
export type PurchasesPerMinute = z.infer<typeof PurchasesPerMinuteSchema>;

/**
 * Inserts rows into purchases_per_minute_v1 or, with `table`, into a staging table of the same
 * structure (the partition replacement inserts there first).
 */
export async function insertPurchasesPerMinute(
  client: ClickHouseClient,
  rows: readonly PurchasesPerMinute[],
  { table = PURCHASES_PER_MINUTE_TABLE }: { /** Default purchases_per_minute_v1. */ table?: string } = {},
): Promise<void> {
  if (rows.length === 0) return;
  try {
    await client.insert({ table, values: rows as PurchasesPerMinute[], format: "JSONEachRow" });
  } catch (cause) {
    throw new StoreError(`insert ${table}`, { cause });
  }
}

/** The per-minute purchases of the GMT-3 days `from`..`to` (both included), in table order. */
export function getPurchasesPerMinute(
  client: ClickHouseClient,
  { from, to }: { from: string; to: string },
): Promise<PurchasesPerMinute[]> {
  return queryRows(client, {
    name: "get_purchases_per_minute",
    query: `SELECT day, platform, minute, product, purchases
            FROM ${PURCHASES_PER_MINUTE_TABLE}
            WHERE day BETWEEN {from:Date} AND {to:Date}
            ORDER BY day, platform, product, minute`,
    params: { from, to },
    schema: PurchasesPerMinuteSchema,
  });
}
