import type { ClickHouseClient } from "@clickhouse/client";
import { z } from "zod";
import { queryRows, StoreError } from "../query.ts";

/** One row per purchase sync of a GMT-3 day; the newest wins (migration 0001). */
export const PURCHASE_SYNCS_TABLE = "purchase_syncs_v1";

/**
 * One purchase sync: the counts of order_items rows of the day. `synced_at` is UTC
 * `YYYY-MM-DD HH:MM:SS.mmm`. Counts arrive quoted (64-bit) and are read as numbers: a day's
 * order items stay far below 2^53.
 */
export const PurchaseSyncSchema = z.object({
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  /** Rows that counted as purchases. */
  order_items: z.coerce.number().int().nonnegative(),
  /** Rows whose device_type maps to no platform. */
  unmapped: z.coerce.number().int().nonnegative(),
  /** Rows left out by PURCHASE_EXCLUDED_STATUSES. */
  excluded: z.coerce.number().int().nonnegative(),
  synced_at: z.string(),
});
export type PurchaseSync = z.infer<typeof PurchaseSyncSchema>;

/** Records one purchase sync. */
export async function insertPurchaseSync(client: ClickHouseClient, row: PurchaseSync): Promise<void> {
  try {
    await client.insert({ table: PURCHASE_SYNCS_TABLE, values: [row], format: "JSONEachRow" });
  } catch (cause) {
    throw new StoreError(`insert ${PURCHASE_SYNCS_TABLE}`, { cause });
  }
}

/** The newest sync of a GMT-3 day, or undefined when the day was never synced. */
export async function getPurchaseSync(client: ClickHouseClient, day: string): Promise<PurchaseSync | undefined> {
  const rows = await queryRows(client, {
    name: "get_purchase_sync",
    query: `SELECT day, order_items, unmapped, excluded, synced_at
            FROM ${PURCHASE_SYNCS_TABLE}
            WHERE day = {day:Date}
            ORDER BY synced_at DESC
            LIMIT 1`,
    params: { day },
    schema: PurchaseSyncSchema,
  });
  return rows[0];
}
