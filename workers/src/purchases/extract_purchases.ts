import { formatDay, type PurchasesPerMinute, parseDay, parseGmt3WallClock, parsePlatform } from "@ctr/schemas";
import { sql } from "kysely";
import { minuteOf, type OrdersDatabase } from "../orders/database.ts";

/** Rows fetched per round trip when streaming through a cursor. */
const STREAM_CHUNK = 1_000;

export interface ExtractPurchasesOptions {
  /** Order statuses that do not count, compared case-insensitively. Default: none. */
  excludedStatuses?: readonly string[];
}

/** A GMT-3 day's purchases per minute, platform and product, and what did not count. */
export interface DayPurchases {
  day: string;
  rows: PurchasesPerMinute[];
  /** order_items rows that counted. */
  orderItems: number;
  /** order_items rows whose device_type maps to no platform, in total and by device type. */
  unmapped: number;
  unmappedDeviceTypes: Record<string, number>;
  /** order_items rows of mapped platforms left out by their order's status. */
  excluded: number;
}

/** The day after a `YYYY-MM-DD`; throws on anything else (it ends up in a query's bounds). */
function dayAfter(day: string): string {
  const start = parseDay(day);
  if (!start) throw new RangeError(`not a day: ${day}`);
  return formatDay(new Date(start.getTime() + 86_400_000));
}

/**
 * The order items of the GMT-3 days from..to (both included) joined with their orders, over an
 * indexed range of order_date (the GMT-3 wall clock as stored), with the minute of each: what a
 * purchase sync reads, and what the digest of a queued run's orders covers.
 */
export function orderItemsOfDays(db: OrdersDatabase, from: string, to: string) {
  const minute = minuteOf(db.dialect, sql.ref("o.order_date"));
  const items = db.kysely
    .selectFrom("orders as o")
    .innerJoin("order_items as i", "i.order_id", "o.id")
    .where("o.order_date", ">=", `${from} 00:00:00`)
    .where("o.order_date", "<", `${dayAfter(to)} 00:00:00`);
  return { items, minute };
}

/** The UTC `YYYY-MM-DD HH:MM:SS` of epoch milliseconds, as DateTime('UTC') columns take it. */
function formatUtc(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 19).replace("T", " ");
}

/**
 * Counts a GMT-3 day's purchases in the orders database. The database groups the day's order items
 * by (minute, device_type, code_color) over an indexed range of order_date, and the groups are
 * streamed out; device types are then mapped onto platforms here, with the contract's
 * case-insensitive rule. A GMT-3 minute becomes its UTC instant (+3 h).
 */
export async function extractDayPurchases(
  db: OrdersDatabase,
  day: string,
  { excludedStatuses = [] }: ExtractPurchasesOptions = {},
): Promise<DayPurchases> {
  const statuses = [...new Set(excludedStatuses.map((status) => status.trim().toLowerCase()))];
  const { items, minute } = orderItemsOfDays(db, day, day);
  const groups = items
    .select((eb) => [
      minute.as("minute"),
      "o.device_type as device_type",
      "i.code_color as product",
      eb.fn.countAll<number | string>().as("items"),
      (statuses.length === 0
        ? sql<number>`0`
        : eb.fn.sum<number | string>(
            eb
              .case()
              .when(eb.fn("lower", ["o.order_status"]), "in", statuses)
              .then(1)
              .else(0)
              .end(),
          )
      ).as("excluded"),
    ])
    .groupBy([minute, "o.device_type", "i.code_color"]);

  const result: DayPurchases = { day, rows: [], orderItems: 0, unmapped: 0, unmappedDeviceTypes: {}, excluded: 0 };
  // Device types differing only in case fall into one platform: sum them per output row.
  const purchases = new Map<string, PurchasesPerMinute>();
  for await (const group of groups.stream(STREAM_CHUNK)) {
    const items = Number(group.items);
    const platform = parsePlatform(group.device_type);
    if (!platform) {
      const key = group.device_type === "" ? "(empty)" : group.device_type;
      result.unmapped += items;
      result.unmappedDeviceTypes[key] = (result.unmappedDeviceTypes[key] ?? 0) + items;
      continue;
    }
    const excluded = Number(group.excluded);
    result.excluded += excluded;
    if (items === excluded) continue;
    result.orderItems += items - excluded;
    const instant = parseGmt3WallClock(`${group.minute}:00`);
    if (instant === undefined) throw new Error(`orders database returned an unreadable minute ${group.minute}`);
    const minute = formatUtc(instant);
    const key = `${minute}\u0000${platform}\u0000${group.product}`;
    const row = purchases.get(key);
    if (row) row.purchases += items - excluded;
    else purchases.set(key, { day, platform, minute, product: group.product, purchases: items - excluded });
  }
  result.rows = [...purchases.values()];
  return result;
}
