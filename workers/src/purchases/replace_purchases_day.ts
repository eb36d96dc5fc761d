import {
  insertPurchasesPerMinute,
  monthPartitionId,
  PURCHASES_PER_MINUTE_TABLE,
  type PurchasesPerMinute,
  parseDay,
  refreshCtrDays,
  replacePartition,
  type Store,
} from "@ctr/schemas";

/**
 * Replaces a GMT-3 day of purchases_per_minute_v1 (a slice of its month's partition) with `rows`, all at once, and the same
 * day of its hourly and daily rollups with their sums (see replacePartition), then the day of
 * the CTR rollups that gather them with the views (refreshCtrDays): re-running never
 * double counts, and two runs of the same day each leave the same content. An empty `rows` empties
 * the day. The caller records it as a data change (recordingDataChange), which the API's result
 * caches key their entries by.
 */
export async function replacePurchasesDay(
  store: Store,
  day: string,
  rows: readonly PurchasesPerMinute[],
): Promise<void> {
  // The day goes into DDL, which takes no bound parameters: only a validated YYYY-MM-DD does.
  if (!parseDay(day)) throw new RangeError(`not a day: ${day}`);
  await replacePartition(store, {
    table: PURCHASES_PER_MINUTE_TABLE,
    partitionId: monthPartitionId(day),
    slice: { where: "day = {day:Date}", params: { day } },
    totalColumn: "purchases",
    fill: rows.length > 0 ? (staging) => insertPurchasesPerMinute(store.client, rows, { table: staging }) : undefined,
  });
  await refreshCtrDays(store, [day]);
}
