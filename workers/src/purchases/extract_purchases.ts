import { formatDay, type PurchasesPerMinute, parseDay, parseGmt3WallClock, parsePlatform } from "@ctr/schemas";
import { listPlaceholders, type OrdersDatabase, type SqlValue } from "../orders/database.ts";

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

interface GroupRow extends Record<string, unknown> {
  minute: string;
  device_type: string | null;
  product: string;
  items: number | string;
  excluded: number | string;
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
  const start = parseDay(day);
  if (!start) throw new RangeError(`not a day: ${day}`);
  const next = formatDay(new Date(start.getTime() + 86_400_000));
  const statuses = [...new Set(excludedStatuses.map((status) => status.trim().toLowerCase()))];
  const excludedSql =
    statuses.length === 0
      ? "0"
      : `SUM(CASE WHEN LOWER(o.order_status) IN (${listPlaceholders(statuses.length)}) THEN 1 ELSE 0 END)`;
  // order_date is the GMT-3 wall clock as stored; the day is [day 00:00:00, next day 00:00:00).
  const sql = `SELECT ${db.minuteOf("o.order_date")} AS minute, o.device_type AS device_type,
                      i.code_color AS product, COUNT(*) AS items, ${excludedSql} AS excluded
               FROM orders o JOIN order_items i ON i.order_id = o.id
               WHERE o.order_date >= ? AND o.order_date < ?
               GROUP BY 1, 2, 3`;
  const params: SqlValue[] = [...statuses, `${day} 00:00:00`, `${next} 00:00:00`];

  const result: DayPurchases = { day, rows: [], orderItems: 0, unmapped: 0, unmappedDeviceTypes: {}, excluded: 0 };
  // Device types differing only in case fall into one platform: sum them per output row.
  const purchases = new Map<string, PurchasesPerMinute>();
  for await (const group of db.stream<GroupRow>(sql, params)) {
    const items = Number(group.items);
    const platform = parsePlatform(group.device_type ?? "");
    if (!platform) {
      const key = group.device_type ?? "(empty)";
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
