import { type Config, migrate, type Store } from "@ctr/schemas";
import type { OrdersDatabase } from "../orders/database.ts";
import { openOrdersDatabase } from "../orders/open_orders_database.ts";
import type { Folder } from "../source/folder.ts";
import { openFolder } from "../source/open_folder.ts";
import { openStore } from "./open_store.ts";

/** What the store steps of a run (commits, purchase syncs) need: ClickHouse, the sink, the orders database. */
export interface StoreSide {
  store: Store;
  sink: Folder;
  orders: OrdersDatabase;
}

/**
 * Opens (and migrates) the store side of the configuration; `store` may be one the caller already
 * holds (`ctr serve`: chDB admits one per process), which `close()` then leaves open.
 */
export async function openStoreSide(config: Config, store?: Store): Promise<StoreSide & { close(): Promise<void> }> {
  const owned = store === undefined;
  const opened = store ?? openStore(config.clickhouse);
  const orders = await openOrdersDatabase(config.ordersDatabaseUrl).catch(async (error: unknown) => {
    if (owned) await opened.close();
    throw error;
  });
  try {
    await migrate(opened);
  } catch (error) {
    await orders.close();
    if (owned) await opened.close();
    throw error;
  }
  return {
    store: opened,
    sink: openFolder(config.parquetSink, config.s3),
    orders,
    async close() {
      await orders.close();
      if (owned) await opened.close();
    },
  };
}
