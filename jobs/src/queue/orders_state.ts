import { randomUUID } from "node:crypto";
import type { Config } from "@ctr/schemas";
import { fingerprintOrders, type OrdersDatabase, openOrdersDatabase } from "@ctr/workers";

/**
 * What a queued run's id knows of the orders its purchase syncs will read (`backfillJobId`): a digest
 * of the order items of `days` in the orders database as it is now, from `orders` when the caller has
 * it open, else from ORDERS_DATABASE_URL. New orders change it, so the flow gets a new id and runs;
 * the same orders keep it, so resubmitting costs nothing.
 *
 * With a ClickHouse server and no ORDERS_DATABASE_URL here, the syncs run on workers against their
 * own orders database, which this process cannot see (its default is a SQLite file of its own): the
 * state is then unknown and new every time, so every submission runs (partition replacement keeps
 * the totals exact).
 */
export async function readOrdersState(
  config: Pick<Config, "clickhouse" | "ordersDatabaseUrl" | "ordersDatabaseIsLocalDefault">,
  days: readonly string[],
  orders?: OrdersDatabase,
): Promise<string> {
  if (days.length === 0) return "no days";
  if (config.clickhouse.kind === "server" && config.ordersDatabaseIsLocalDefault) return `unknown ${randomUUID()}`;
  if (orders) return fingerprintOrders(orders, days);
  const opened = await openOrdersDatabase(config.ordersDatabaseUrl);
  try {
    return await fingerprintOrders(opened, days);
  } finally {
    await opened.close();
  }
}
