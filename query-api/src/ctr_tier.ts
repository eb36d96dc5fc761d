import {
  CTR_ROLLUPS,
  type CtrRequest,
  GMT3_OFFSET_MS,
  PRODUCT_VIEWS_PER_MINUTE_TABLE,
  PURCHASES_PER_MINUTE_TABLE,
} from "@ctr/schemas";

/**
 * The tables one /ctr request reads: the per-minute views and purchases (two tables, partitioned
 * by their sources), or a CTR rollup holding both counts per hour or per GMT-3 day (one table,
 * partitioned by GMT-3 day: migration 0006).
 */
export type CtrTables =
  | { grainMinutes: number; views: string; purchases: string }
  | { grainMinutes: number; both: string };

export const PER_MINUTE_TABLES: CtrTables = {
  grainMinutes: 1,
  views: PRODUCT_VIEWS_PER_MINUTE_TABLE,
  purchases: PURCHASES_PER_MINUTE_TABLE,
};

/** The rollup tiers, coarsest first. */
const ROLLUP_TIERS: readonly CtrTables[] = [...CTR_ROLLUPS]
  .sort((a, b) => b.grainMinutes - a.grainMinutes)
  .map(({ grainMinutes, table }) => ({ grainMinutes, both: table }));

/** The tables a choice reads, by name. */
export function tablesRead(tables: CtrTables): string[] {
  return "both" in tables ? [tables.both] : [tables.views, tables.purchases];
}

/** Whether a UTC instant falls on a boundary of a grain counted from GMT-3 midnights. */
function onGrain(epochMs: number, grainMinutes: number): boolean {
  const grainMs = grainMinutes * 60_000;
  const wallClockMs = epochMs + GMT3_OFFSET_MS;
  return ((wallClockMs % grainMs) + grainMs) % grainMs === 0;
}

/**
 * The coarsest tables that give exactly the per-minute answer. A rollup row sums a whole period, so
 * every bucket must be a union of whole periods: the start on a period's boundary, the aggregation a
 * multiple of the period, and the end on a boundary too (the last bucket is cut at the end, and a
 * period across the end would count minutes past it).
 *
 * `rollups: false` always answers per-minute: the tests compare the tiers' answers with it.
 */
export function chooseCtrTables(request: CtrRequest, { rollups = true }: { rollups?: boolean } = {}): CtrTables {
  if (!rollups) return PER_MINUTE_TABLES;
  const start = request.startTimestamp.epochMs;
  const end = request.endTimestamp.epochMs;
  const tier = ROLLUP_TIERS.find(
    ({ grainMinutes }) =>
      request.aggregation % grainMinutes === 0 && onGrain(start, grainMinutes) && onGrain(end, grainMinutes),
  );
  return tier ?? PER_MINUTE_TABLES;
}
