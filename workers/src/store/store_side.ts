import { type Config, createLogger, migrate, type Store } from "@ctr/schemas";
import type { OrdersDatabase } from "../orders/database.ts";
import { openOrdersDatabase } from "../orders/open_orders_database.ts";
import type { Folder } from "../source/folder.ts";
import { openFolder } from "../source/open_folder.ts";
import { openStore } from "./open_store.ts";
import { checkStoreFree } from "./store_lock.ts";

/** What the store steps of a run (commits, purchase syncs) need: ClickHouse, the sink, the orders database. */
export interface StoreSide {
  store: Store;
  sink: Folder;
  orders: OrdersDatabase;
}

/**
 * A store side opened when a store step first needs it: the sink at once, ClickHouse, the orders
 * database and the migrations on the first `open()`. A backfill converts its first files while it
 * opens: opening the embedded store loads chDB's 540 MB engine, half a second or more of this
 * process's thread, which would otherwise delay every file.
 */
export interface LazyStoreSide {
  sink: Folder;
  /** Opens (once) and migrates the store side; every call answers the same. */
  open(): Promise<StoreSide>;
  /** Closes what `open()` opened (a caller's `store` stays open); nothing when it was never opened. */
  close(): Promise<void>;
  /** Why `open()` failed, once it has: the run cannot commit anything, so its shards need not convert. */
  failure(): Error | undefined;
}

async function openParts(config: Config, store: Store | undefined) {
  const owned = store === undefined;
  const opened = store ?? openStore(config.clickhouse, createLogger({ level: config.logLevel }), config);
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
    orders,
    async close() {
      await orders.close();
      if (owned) await opened.close();
    },
  };
}

/**
 * The store side of the configuration, opened on first use; `store` may be one the caller already
 * holds (`ctr serve`: chDB admits one per process), which `close()` then leaves open. An embedded
 * store that another process holds is refused here, before anything runs.
 */
export function lazyStoreSide(config: Config, store?: Store): LazyStoreSide {
  if (!store && config.clickhouse.kind === "embedded") checkStoreFree(config.clickhouse.path);
  const sink = openFolder(config.parquetSink, config.s3);
  let parts: ReturnType<typeof openParts> | undefined;
  let failure: Error | undefined;
  return {
    sink,
    open() {
      if (!parts) {
        parts = openParts(config, store);
        parts.catch((error: unknown) => {
          failure = error instanceof Error ? error : new Error(String(error));
        });
      }
      return parts.then(({ store: opened, orders }) => ({ store: opened, sink, orders }));
    },
    failure: () => failure,
    async close() {
      // One that failed to open closed what it had opened.
      const opened = await parts?.catch(() => undefined);
      await opened?.close();
    },
  };
}

/**
 * Opens (and migrates) the store side of the configuration; `store` may be one the caller already
 * holds (`ctr serve`: chDB admits one per process), which `close()` then leaves open.
 */
export async function openStoreSide(config: Config, store?: Store): Promise<StoreSide & { close(): Promise<void> }> {
  const side = lazyStoreSide(config, store);
  return { ...(await side.open()), close: () => side.close() };
}
