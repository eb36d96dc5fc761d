import path from "node:path";
import { ORDER_ITEMS_CSV_COLUMNS, ORDERS_CSV_COLUMNS, PLATFORMS, type Platform } from "@ctr/schemas";
import { type Catalog, unviewedProductCode } from "./catalog.ts";
import { csvRow } from "./csv_row.ts";
import { sampleLocalSecondOfDay } from "./diurnal.ts";
import {
  CITIES,
  CONVERSION,
  DESKTOP_SHARE,
  DEVICE_SPELLINGS,
  formatCents,
  ITEMS_PER_ORDER,
  MEAN_ITEMS_PER_ORDER,
  PAYMENT_TYPES,
  pickWeighted,
  priceCents,
  QUANTITIES,
  SHIPPING,
  STATUSES,
  UTM_SOURCES,
} from "./order_values.ts";
import { expectedViews } from "./platform_day.ts";
import { Random } from "./prng.ts";
import type { OrdersReport } from "./report.ts";
import { TextFileWriter } from "./text_file.ts";

/** Share of bought items that were never viewed (not in the catalog). */
const UNVIEWED_ITEM_SHARE = 0.04;
const DEVICES = [...PLATFORMS, "Desktop"] as const;
type Device = (typeof DEVICES)[number];

export interface OrdersOptions {
  outDir: string;
  /** GMT-3 days, `YYYY-MM-DD`. */
  days: readonly string[];
  scale: number;
  seed: string;
  catalog: Catalog;
}

/**
 * Writes `<outDir>/orders.csv` and `<outDir>/order_items.csv` for the given GMT-3 days, in order_date
 * order. Ids embed the day (`YYYYMMDD` followed by a counter), so the days of separate runs never clash.
 */
export async function writeOrders(options: OrdersOptions): Promise<OrdersReport> {
  const orders = new TextFileWriter(path.join(options.outDir, "orders.csv"));
  const items = new TextFileWriter(path.join(options.outDir, "order_items.csv"));
  const report: OrdersReport = {
    ordersFile: orders.path,
    itemsFile: items.path,
    orders: 0,
    items: 0,
    bytes: 0,
    purchases: [],
    itemsWithoutPlatform: 0,
  };
  try {
    await orders.write(csvRow(ORDERS_CSV_COLUMNS));
    await items.write(csvRow(ORDER_ITEMS_CSV_COLUMNS));
    for (const day of options.days) await writeDay(day, options, orders, items, report);
    for (const file of [await orders.close(), await items.close()]) report.bytes += file.bytes;
    return report;
  } catch (error) {
    await Promise.all([orders.abort(), items.abort()]);
    throw error;
  }
}

async function writeDay(
  day: string,
  options: OrdersOptions,
  orders: TextFileWriter,
  items: TextFileWriter,
  report: OrdersReport,
): Promise<void> {
  const { scale, seed, catalog } = options;
  const rng = Random.derive(seed, "orders", day);
  const dayNumber = Number(day.replaceAll("-", ""));
  const keys = planOrders(rng, scale);
  const purchases = new Map<Platform, number>(PLATFORMS.map((p) => [p, 0]));
  const spelled = new Map<Device, number>();
  let dayItems = 0;
  for (const [n, key] of keys.entries()) {
    const device = DEVICES[key % DEVICES.length] as Device;
    const spellings = DEVICE_SPELLINGS[device];
    const spelling = spelled.get(device) ?? 0;
    spelled.set(device, spelling + 1);
    const orderId = dayNumber * 10_000_000 + n + 1;
    const itemCount = pickWeighted(rng, ITEMS_PER_ORDER);
    let subtotal = 0;
    for (let i = 0; i < itemCount; i++) {
      const product = rng.chance(UNVIEWED_ITEM_SHARE)
        ? unviewedProductCode(rng)
        : (catalog.products[catalog.popularity.sample(rng)] as string);
      const quantity = pickWeighted(rng, QUANTITIES);
      subtotal += priceCents(product) * quantity;
      const itemId = dayNumber * 100_000_000 + ++dayItems;
      const sku = `${product.replace("_", "")}${34 + rng.int(11)}`;
      await items.write(csvRow([itemId, orderId, sku, quantity, product]));
    }
    report.items += itemCount;
    const discount = rng.chance(0.2) ? Math.round(subtotal * 0.1) : 0;
    const [service, shippingCost] = pickWeighted(rng, SHIPPING);
    const [city, state] = pickWeighted(rng, CITIES);
    await orders.write(
      csvRow([
        orderId,
        1 + rng.int(2_000_000),
        `${day} ${formatSecondOfDay(Math.floor(key / DEVICES.length))}`,
        formatCents(subtotal),
        formatCents(discount),
        formatCents(subtotal - discount + shippingCost),
        pickWeighted(rng, STATUSES),
        pickWeighted(rng, PAYMENT_TYPES),
        formatCents(shippingCost),
        service,
        city,
        state,
        pickWeighted(rng, UTM_SOURCES),
        spellings[spelling % spellings.length] as string,
      ]),
    );
    report.orders++;
    if (device === "Desktop") report.itemsWithoutPlatform += itemCount;
    else purchases.set(device, (purchases.get(device) ?? 0) + itemCount);
  }
  for (const [platform, count] of purchases) report.purchases.push({ day, platform, purchases: count });
}

/**
 * The day's orders as sorted keys: the GMT-3 second of the day times 4 plus the device's index in
 * DEVICES. A plain numeric sort of 32-bit keys puts a day's orders (a million at scale 400) in time
 * order without holding row objects.
 */
function planOrders(rng: Random, scale: number): Uint32Array {
  const counts = PLATFORMS.map((p) =>
    Math.round(((expectedViews(p, scale) * CONVERSION[p]) / MEAN_ITEMS_PER_ORDER) * (0.9 + 0.2 * rng.float())),
  );
  counts.push(Math.round(counts.reduce((a, b) => a + b, 0) * DESKTOP_SHARE));
  const keys = new Uint32Array(counts.reduce((a, b) => a + b, 0));
  let k = 0;
  counts.forEach((count, device) => {
    for (let i = 0; i < count; i++) keys[k++] = sampleLocalSecondOfDay(rng) * DEVICES.length + device;
  });
  return keys.sort();
}

/** Seconds since midnight as `HH:MM:SS`. */
function formatSecondOfDay(second: number): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(Math.floor(second / 3600))}:${pad(Math.floor(second / 60) % 60)}:${pad(second % 60)}`;
}
