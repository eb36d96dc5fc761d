import type { Platform } from "@ctr/schemas";
import { formatCount as n, plural } from "@ctr/schemas";

/** What the generator wrote for one (platform, UTC day) folder. */
export interface PlatformDayReport {
  platform: Platform;
  /** The UTC day of the folder, `YYYY-MM-DD`. */
  day: string;
  /** File names inside the folder, in write order. */
  files: string[];
  /** Bytes on disk (gzip files compressed). */
  bytes: number;
  /** Bytes of JSON text before compression. */
  textBytes: number;
  batches: number;
  events: number;
  /** Events that are product views under the contract. */
  views: number;
  /** Events the contract ignores (other names or types, views without a product). */
  ignored: number;
  distinctProducts: number;
}

/** Purchases that count under the contract for one GMT-3 day and platform. */
export interface PurchaseCount {
  /** The GMT-3 day of `order_date`, `YYYY-MM-DD`. */
  day: string;
  platform: Platform;
  /** `order_items` rows whose order's device type maps onto the platform. */
  purchases: number;
}

export interface OrdersReport {
  ordersFile: string;
  itemsFile: string;
  orders: number;
  items: number;
  bytes: number;
  purchases: PurchaseCount[];
  /** Item rows of orders whose device type is no platform (e.g. `Desktop`): they do not count. */
  itemsWithoutPlatform: number;
}

export interface GenerateReport {
  outDir: string;
  from: string;
  to: string;
  scale: number;
  seed: string;
  platformDays: PlatformDayReport[];
  orders: OrdersReport;
  elapsedMs: number;
}

const MB = 1_000_000;

/** One progress line for a finished platform-day. */
export function formatPlatformDay(r: PlatformDayReport): string {
  return `${r.platform.padEnd(9)} ${r.day}: ${plural(r.files.length, "file")}, ${(r.bytes / MB).toFixed(1)} MB, ${plural(r.batches, "batch", "batches")}, ${plural(r.events, "event")}, ${plural(r.views, "view")}, ${n(r.ignored)} ignored, ${plural(r.distinctProducts, "product")}`;
}

/** The summary `ctr generate` prints: totals (each platform-day was printed as it was written). */
export function formatSummary(report: GenerateReport): string {
  const sum = (pick: (r: PlatformDayReport) => number) => report.platformDays.reduce((n, r) => n + pick(r), 0);
  const bytes = sum((r) => r.bytes) + report.orders.bytes;
  const text = sum((r) => r.textBytes) + report.orders.bytes;
  const seconds = report.elapsedMs / 1000;
  const counted = report.orders.purchases.reduce((n, p) => n + p.purchases, 0);
  return [
    `Generated ${report.from}..${report.to} at scale ${report.scale} (seed ${report.seed}) into ${report.outDir}`,
    `  events: ${plural(
      sum((r) => r.files.length),
      "file",
    )} in ${plural(report.platformDays.length, "platform-day")}, ${plural(
      sum((r) => r.batches),
      "batch",
      "batches",
    )}, ${plural(
      sum((r) => r.events),
      "event",
    )}, ${plural(
      sum((r) => r.views),
      "view",
    )}, ${n(sum((r) => r.ignored))} ignored`,
    ...purchaseLines(report.orders),
    `  orders: ${plural(report.orders.orders, "order")}, ${plural(report.orders.items, "item")} (${plural(counted, "purchase")} on a platform, ${n(report.orders.itemsWithoutPlatform)} on other devices)`,
    `  ${(bytes / MB).toFixed(1)} MB on disk (${(text / MB).toFixed(1)} MB uncompressed) in ${seconds.toFixed(1)} s: ${(bytes / MB / seconds).toFixed(1)} MB/s written, ${(text / MB / seconds).toFixed(1)} MB/s generated`,
  ].join("\n");
}

/** One line per GMT-3 day: the purchases that count, per platform. */
function purchaseLines(orders: OrdersReport): string[] {
  const days = [...new Set(orders.purchases.map((p) => p.day))];
  return days.map((day) => {
    const counts = orders.purchases.filter((p) => p.day === day).map((p) => `${p.platform} ${n(p.purchases)}`);
    return `  purchases ${day} (GMT-3): ${counts.join(", ")}`;
  });
}
