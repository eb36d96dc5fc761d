import { createHash } from "node:crypto";
import type { OrdersDatabase } from "../orders/database.ts";
import { migrateOrdersDatabase } from "../orders/migrations.ts";
import { orderItemsOfDays } from "./extract_purchases.ts";

/** Rows fetched per round trip when streaming through a cursor. */
const STREAM_CHUNK = 1_000;
const MODULUS = 2n ** 256n;

/**
 * A digest of everything the purchase syncs of `days` read from the orders database: the days' order
 * items counted per (minute, device_type, code_color, order_status), the statuses raw, so the digest
 * holds whatever PURCHASE_EXCLUDED_STATUSES the workers apply. The same orders give the same digest;
 * a new, changed or removed item of those days gives another. One grouped query over the days'
 * range, streamed: each group's hash is summed (mod 2^256), so the order the database returns the
 * groups in does not matter and nothing is sorted or held.
 */
export async function fingerprintOrders(db: OrdersDatabase, days: readonly string[]): Promise<string> {
  const sorted = [...days].sort();
  const [from, to] = [sorted[0], sorted.at(-1)];
  if (from === undefined || to === undefined) return "no days";
  // Nothing ever loaded: the tables may not exist yet, and the sync would create them the same way.
  await migrateOrdersDatabase(db);
  const { items, minute } = orderItemsOfDays(db, from, to);
  const groups = items
    .select((eb) => [
      minute.as("minute"),
      "o.device_type as device_type",
      "i.code_color as product",
      "o.order_status as status",
      eb.fn.countAll<number | string>().as("items"),
    ])
    .groupBy([minute, "o.device_type", "i.code_color", "o.order_status"]);
  let sum = 0n;
  let count = 0;
  for await (const group of groups.stream(STREAM_CHUNK)) {
    const line = JSON.stringify([group.minute, group.device_type, group.product, group.status, String(group.items)]);
    sum = (sum + BigInt(`0x${createHash("sha256").update(line).digest("hex")}`)) % MODULUS;
    count++;
  }
  return `${from}..${to} ${count} ${sum.toString(16)}`;
}
