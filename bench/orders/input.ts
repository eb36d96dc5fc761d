import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { buildCatalog, writeOrders } from "@ctr/jobs";
import { daysBetween } from "@ctr/schemas";

/** The orders CSVs a bench run loads, and what the generator says they hold. */
export interface OrdersInput {
  ordersFile: string;
  itemsFile: string;
  /** The GMT-3 days the orders fall on, each synced once. */
  days: string[];
  orders: number;
  items: number;
  bytes: number;
  /** Items that count as purchases (device type on a platform), per day. */
  purchasesByDay: Record<string, number>;
  /** Items of orders on no platform (`Desktop`): reported, never counted. */
  itemsWithoutPlatform: number;
  description: string;
}

const FROM = "2016-02-01";
const TO = "2016-02-02";

/**
 * orders.csv and order_items.csv from `ctr generate`'s orders writer for 2016-02-01..02 at `scale`
 * (the events are not written: this part measures the orders database only). Kept under `workDir`
 * and reused while the options are the same.
 */
export async function prepareOrdersInput(workDir: string, scale: number, seed: string): Promise<OrdersInput> {
  const dir = path.join(workDir, `orders-scale-${scale}-seed-${seed}`);
  const marker = path.join(dir, "bench-input.json");
  if (existsSync(marker)) {
    const input = JSON.parse(await readFile(marker, "utf8")) as OrdersInput;
    if (existsSync(input.ordersFile) && existsSync(input.itemsFile)) return input;
  }
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  process.stderr.write(`bench orders: generating orders (ctr generate's orders at --scale ${scale})\n`);
  const days = daysBetween(FROM, TO);
  const report = await writeOrders({ outDir: dir, days, scale, seed, catalog: buildCatalog(seed) });
  const purchasesByDay: Record<string, number> = {};
  for (const { day, purchases } of report.purchases) purchasesByDay[day] = (purchasesByDay[day] ?? 0) + purchases;
  const input: OrdersInput = {
    ordersFile: report.ordersFile,
    itemsFile: report.itemsFile,
    days,
    orders: report.orders,
    items: report.items,
    bytes: report.bytes,
    purchasesByDay,
    itemsWithoutPlatform: report.itemsWithoutPlatform,
    description: `ctr generate's orders for ${FROM}..${TO} at --scale ${scale} --seed ${seed}: ${report.orders} orders, ${report.items} items, ${(report.bytes / 1e6).toFixed(1)} MB`,
  };
  await writeFile(marker, JSON.stringify(input, null, 2));
  return input;
}
