/**
 * An independent reference reader for tests: reads raw event folders and the orders CSVs under the
 * contract's rules, in the plainest way possible (whole files, JSON.parse), so tests can check the
 * generator and the production ingestion against it. It shares nothing with the production readers
 * except the contract's own classifier, `classifyEvent`.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import {
  classifyEvent,
  EventBatchSchema,
  type Platform,
  parsePlatform,
  type ViewTimeWindow,
  viewTimeWindow,
} from "@ctr/schemas";

/** One product view as the contract defines it. */
export interface RawView {
  platform: Platform;
  /** The UTC day of the folder, `YYYY-MM-DD`. */
  day: string;
  /** The file's path relative to the source folder. */
  file: string;
  /** UTC epoch milliseconds, possibly fractional. */
  timestampMs: number;
  product: string;
}

/** What one (platform, day) folder holds. */
export interface RawDayCounts {
  platform: Platform;
  day: string;
  files: number;
  batches: number;
  events: number;
  views: number;
  ignored: number;
  /**
   * Batches or lines that are not valid JSON or not batch-shaped, and views without a usable time
   * (not a finite number, or outside the folder's window); a refused view is not counted in `events`.
   */
  malformed: number;
}

export interface RawViews {
  /** Sorted by platform, then day. */
  counts: RawDayCounts[];
  views: RawView[];
}

export interface ReadRawViewsOptions {
  /** Only this platform. Default: all three. */
  platform?: Platform;
  /** First day folder, `YYYY-MM-DD`, included. Default: no lower bound. */
  from?: string;
  /** Last day folder, included. Default: no upper bound. */
  to?: string;
}

const DAY_FOLDER = /^\d{4}-\d{2}-\d{2}$/;
const EVENT_FILE = /\.(json|ndjson|jsonl)(\.gz)?$/i;

/** Reads every event file of `<sourceDir>/<platform>/<YYYY-MM-DD>/`. */
export async function readRawViews(sourceDir: string, options: ReadRawViewsOptions = {}): Promise<RawViews> {
  const counts: RawDayCounts[] = [];
  const views: RawView[] = [];
  for (const platformDir of (await readdir(sourceDir, { withFileTypes: true })).filter((e) => e.isDirectory())) {
    const platform = parsePlatform(platformDir.name);
    if (!platform || (options.platform && options.platform !== platform)) continue;
    for (const day of (await readdir(path.join(sourceDir, platformDir.name))).sort()) {
      if (!DAY_FOLDER.test(day)) continue;
      if ((options.from && day < options.from) || (options.to && day > options.to)) continue;
      const dayCounts: RawDayCounts = {
        platform,
        day,
        files: 0,
        batches: 0,
        events: 0,
        views: 0,
        ignored: 0,
        malformed: 0,
      };
      const dayDir = path.join(sourceDir, platformDir.name, day);
      const window = viewTimeWindow(day);
      for (const name of (await readdir(dayDir)).filter((n) => EVENT_FILE.test(n)).sort()) {
        const file = path.join(platformDir.name, day, name);
        dayCounts.files++;
        for (const batch of await readBatches(path.join(sourceDir, file))) {
          readBatch(batch, window, dayCounts, (timestampMs, product) =>
            views.push({ platform, day, file, timestampMs, product }),
          );
        }
      }
      counts.push(dayCounts);
    }
  }
  counts.sort((a, b) => (a.platform === b.platform ? a.day.localeCompare(b.day) : a.platform < b.platform ? -1 : 1));
  return { counts, views };
}

/** A file's batches; `undefined` stands for one that is not valid JSON. */
async function readBatches(file: string): Promise<unknown[]> {
  const bytes = await readFile(file);
  const text = (file.toLowerCase().endsWith(".gz") ? gunzipSync(bytes) : bytes).toString("utf8");
  const trimmed = text.trim();
  const lineFile = /\.(ndjson|jsonl)(\.gz)?$/i.test(file);
  if (!lineFile && trimmed.startsWith("[")) {
    const parsed = parseOrUndefined(trimmed);
    return Array.isArray(parsed) ? parsed : [undefined];
  }
  if (!lineFile && trimmed.startsWith("{")) {
    const parsed = parseOrUndefined(trimmed);
    if (parsed !== undefined) return [parsed];
  }
  return trimmed === ""
    ? []
    : trimmed
        .split(/\r?\n/)
        .filter((line) => line.trim() !== "")
        .map(parseOrUndefined);
}

function readBatch(
  batch: unknown,
  window: ViewTimeWindow,
  counts: RawDayCounts,
  onView: (timestampMs: number, product: string) => void,
) {
  const parsed = EventBatchSchema.safeParse(batch);
  if (!parsed.success) {
    counts.malformed++;
    return;
  }
  counts.batches++;
  for (const event of parsed.data.events) {
    const verdict = classifyEvent(event, window);
    if (verdict.kind === "malformed") {
      counts.malformed++;
      continue;
    }
    counts.events++;
    if (verdict.kind === "view") {
      counts.views++;
      onView(verdict.view.timestampMs, verdict.view.product);
    } else counts.ignored++;
  }
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A row of orders.csv, with the contract's columns; ids stay text, amounts are numbers. */
export interface OrderCsvRow {
  id: string;
  user_id: string;
  /** GMT-3 wall clock, `YYYY-MM-DD HH:MM:SS`. */
  order_date: string;
  order_subtotal: number;
  order_discount: number;
  order_total: number;
  order_status: string;
  payment_type: string;
  shipping_cost: number;
  shipping_service: string;
  address_city: string;
  address_state: string;
  utm_source_medium: string;
  device_type: string;
}

/** A row of order_items.csv. */
export interface OrderItemCsvRow {
  id: string;
  order_id: string;
  sku: string;
  quantity: number;
  code_color: string;
}

export interface OrdersCsv {
  /** The header rows as found. */
  orderColumns: string[];
  itemColumns: string[];
  orders: OrderCsvRow[];
  items: OrderItemCsvRow[];
}

const AMOUNTS = new Set(["order_subtotal", "order_discount", "order_total", "shipping_cost", "quantity"]);

/** Reads `<dir>/orders.csv` and `<dir>/order_items.csv` into typed rows. */
export async function readOrdersCsv(dir: string): Promise<OrdersCsv> {
  const [orderColumns, orders] = await readCsvObjects(path.join(dir, "orders.csv"));
  const [itemColumns, items] = await readCsvObjects(path.join(dir, "order_items.csv"));
  return {
    orderColumns,
    itemColumns,
    orders: orders as unknown as OrderCsvRow[],
    items: items as unknown as OrderItemCsvRow[],
  };
}

/** A purchase count that counts under the contract: GMT-3 day of order_date, mapped device type. */
export interface RawPurchaseCount {
  day: string;
  platform: Platform;
  purchases: number;
}

/**
 * Counts purchases (order_items rows) per GMT-3 day and platform; items of orders whose device type
 * is no platform are counted in `withoutPlatform`. Every status counts.
 */
export function countPurchases(csv: OrdersCsv): { counts: RawPurchaseCount[]; withoutPlatform: number } {
  const orderById = new Map(csv.orders.map((o) => [o.id, o]));
  const byKey = new Map<string, RawPurchaseCount>();
  let withoutPlatform = 0;
  for (const item of csv.items) {
    const order = orderById.get(item.order_id);
    if (!order) throw new Error(`order_items row ${item.id} refers to a missing order ${item.order_id}`);
    const platform = parsePlatform(order.device_type);
    if (!platform) {
      withoutPlatform++;
      continue;
    }
    const day = order.order_date.slice(0, 10);
    const key = `${day} ${platform}`;
    const count = byKey.get(key) ?? { day, platform, purchases: 0 };
    count.purchases++;
    byKey.set(key, count);
  }
  return { counts: [...byKey.values()], withoutPlatform };
}

async function readCsvObjects(file: string): Promise<[string[], Record<string, string | number>[]]> {
  const [header, ...rows] = parseCsv(await readFile(file, "utf8"));
  if (!header) throw new Error(`${file}: empty, no header row`);
  const objects = rows.map((row, i) => {
    if (row.length !== header.length)
      throw new Error(`${file}: row ${i + 2} has ${row.length} fields, not ${header.length}`);
    return Object.fromEntries(
      header.map((column, c) => [column, AMOUNTS.has(column) ? Number(row[c]) : (row[c] as string)]),
    );
  });
  return [header, objects];
}

/** A small RFC 4180 parser: quoted fields may hold commas, doubled quotes and line breaks. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += ch;
  }
  if (field !== "" || row.length > 0) rows.push([...row, field]);
  return rows;
}
