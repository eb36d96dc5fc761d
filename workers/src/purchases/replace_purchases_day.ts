import { randomUUID } from "node:crypto";
import {
  insertPurchasesPerMinute,
  PURCHASES_PER_MINUTE_TABLE,
  type PurchasesPerMinute,
  parseDay,
  runCommand,
  type Store,
} from "@ctr/schemas";

/**
 * Replaces a GMT-3 day's partition of purchases_per_minute_v1 with `rows`, all at once: the rows go
 * into a fresh, uniquely named staging table, which then replaces the partition. Re-running never
 * double counts, and two runs of the same day each leave the same content. An empty `rows` empties
 * the day.
 */
export async function replacePurchasesDay(
  store: Store,
  day: string,
  rows: readonly PurchasesPerMinute[],
): Promise<void> {
  // The day and the staging name are spliced into DDL, which takes no bound parameters: the day is
  // a validated YYYY-MM-DD and the name is built from hex digits only.
  if (!parseDay(day)) throw new RangeError(`not a day: ${day}`);
  if (rows.length === 0) {
    // ClickHouse refuses REPLACE PARTITION from an empty source; dropping is the same outcome.
    await runCommand(store.client, {
      name: "drop_purchases_day",
      query: `ALTER TABLE ${PURCHASES_PER_MINUTE_TABLE} DROP PARTITION '${day}'`,
    });
    return;
  }
  const staging = `${PURCHASES_PER_MINUTE_TABLE}_staging_${randomUUID().replaceAll("-", "")}`;
  await runCommand(store.client, {
    name: "create_purchases_staging",
    query: `CREATE TABLE ${staging} AS ${PURCHASES_PER_MINUTE_TABLE}`,
  });
  try {
    await insertPurchasesPerMinute(store.client, rows, { table: staging });
    await runCommand(store.client, {
      name: "replace_purchases_day",
      query: `ALTER TABLE ${PURCHASES_PER_MINUTE_TABLE} REPLACE PARTITION '${day}' FROM ${staging}`,
    });
  } finally {
    await runCommand(store.client, { name: "drop_purchases_staging", query: `DROP TABLE IF EXISTS ${staging}` });
  }
}
