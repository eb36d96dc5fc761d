import {
  type Config,
  getPurchaseSync,
  insertPurchaseSync,
  type JobPayload,
  recordingDataChange,
  type Store,
} from "@ctr/schemas";
import { checkPurchasesRemain } from "../commit/day_guard.ts";
import type { OrdersDatabase } from "../orders/database.ts";
import { migrateOrdersDatabase } from "../orders/migrations.ts";
import { extractDayPurchases } from "../purchases/extract_purchases.ts";
import { replacePurchasesDay } from "../purchases/replace_purchases_day.ts";

export interface SyncPurchasesDeps {
  /** The ClickHouse the per-minute purchases go to. */
  store: Store;
  /** The orders database, opened from ORDERS_DATABASE_URL. */
  orders: OrdersDatabase;
  config: Pick<Config, "purchaseExcludedStatuses">;
}

/** What a purchase sync of one day did. */
export interface SyncPurchasesResult {
  day: string;
  /** Rows written to purchases_per_minute_v1 for the day (minute x platform x product). */
  rows: number;
  /** order_items rows that counted as purchases. */
  purchases: number;
  /** order_items rows whose device_type maps to no platform, and those device types. */
  unmapped: number;
  unmappedDeviceTypes: Record<string, number>;
  /** order_items rows left out by PURCHASE_EXCLUDED_STATUSES. */
  excluded: number;
}

/**
 * The `sync-purchases` job: replaces a GMT-3 day's per-minute purchases in ClickHouse with what the
 * orders database holds for that day, and records the sync. Re-runnable: the day's partition is
 * replaced, never appended to. A day that returns no order items where the last sync had some is
 * refused (DayRefusedError, nothing changed) unless `allowEmpty`; with it the day ends up empty.
 */
export async function syncPurchases(
  payload: JobPayload<"sync-purchases">,
  deps: SyncPurchasesDeps,
): Promise<SyncPurchasesResult> {
  // The tables may not exist yet when nothing was ever loaded: then the day simply has no orders.
  await migrateOrdersDatabase(deps.orders);
  const extracted = await extractDayPurchases(deps.orders, payload.day, {
    excludedStatuses: deps.config.purchaseExcludedStatuses,
  });
  const previous = extracted.orderItems === 0 ? await getPurchaseSync(deps.store.client, payload.day) : undefined;
  checkPurchasesRemain({
    day: payload.day,
    orderItems: extracted.orderItems,
    previousOrderItems: previous?.order_items,
    allowEmpty: payload.allowEmpty === true,
  });
  // A day that had no purchases and has none has no partition to replace: a long range of empty
  // days costs a read and a row each, not a partition replacement.
  const nothingBefore = extracted.rows.length === 0 && (previous?.order_items ?? 0) === 0;
  if (!nothingBefore) {
    await recordingDataChange(deps.store, () => replacePurchasesDay(deps.store, payload.day, extracted.rows));
  }
  await insertPurchaseSync(deps.store.client, {
    day: payload.day,
    order_items: extracted.orderItems,
    unmapped: extracted.unmapped,
    excluded: extracted.excluded,
    synced_at: new Date().toISOString().replace("T", " ").replace("Z", ""),
  });
  return {
    day: payload.day,
    rows: extracted.rows.length,
    purchases: extracted.orderItems,
    unmapped: extracted.unmapped,
    unmappedDeviceTypes: extracted.unmappedDeviceTypes,
    excluded: extracted.excluded,
  };
}
