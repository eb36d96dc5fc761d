import { formatDay, parseDay } from "../time.ts";

/**
 * The tables' partitions are months (`PARTITION BY toYYYYMM(day)`): ClickHouse advises partitions no
 * finer than a month, as every partition costs at least one part to open, list and merge
 * (docs/DESIGN.md, "Partitions"). The id ClickHouse gives the month of a day `YYYY-MM-DD`: `YYYYMM`.
 */
export function monthPartitionId(day: string): string {
  if (!parseDay(day)) throw new RangeError(`not a day: ${day}`);
  return day.slice(0, 4) + day.slice(5, 7);
}

/** Days grouped by their month's partition, in the order first seen. */
export function daysByMonth(days: Iterable<string>): string[][] {
  const months = new Map<string, string[]>();
  for (const day of days) {
    const id = monthPartitionId(day);
    const month = months.get(id) ?? [];
    month.push(day);
    months.set(id, month);
  }
  return [...months.values()];
}

/** The last day of the month of a day `YYYY-MM-DD`. */
export function lastDayOfMonth(day: string): string {
  const date = parseDay(day);
  if (!date) throw new RangeError(`not a day: ${day}`);
  return formatDay(new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)));
}
