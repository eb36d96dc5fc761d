import {
  type CtrRequest,
  GMT3_OFFSET_MS,
  PRODUCT_VIEWS_PER_MINUTE_TABLE,
  PURCHASES_PER_MINUTE_TABLE,
  rollupsOf,
} from "@ctr/schemas";

/** The tables one /ctr request reads: per-minute, or a rollup of both sides of the same grain. */
export interface CtrTables {
  /** The grain of both tables, in minutes: 1 (per-minute), 60 or 1440. */
  grainMinutes: number;
  views: string;
  purchases: string;
}

export const PER_MINUTE_TABLES: CtrTables = {
  grainMinutes: 1,
  views: PRODUCT_VIEWS_PER_MINUTE_TABLE,
  purchases: PURCHASES_PER_MINUTE_TABLE,
};

/** The rollup tiers, coarsest first: each side's rollups of the same grain (per_minute_rollups.ts). */
const ROLLUP_TIERS: readonly CtrTables[] = [1440, 60].map((grainMinutes) => {
  const of = (source: string) => {
    const rollup = rollupsOf(source).find((r) => r.grainMinutes === grainMinutes);
    if (!rollup) throw new Error(`${source} has no rollup of ${grainMinutes} minutes`);
    return rollup.table;
  };
  return {
    grainMinutes,
    views: of(PRODUCT_VIEWS_PER_MINUTE_TABLE),
    purchases: of(PURCHASES_PER_MINUTE_TABLE),
  };
});

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
 * period across the end would count minutes past it). Both rollups keep their source's partitions
 * (`day`), so the partitions the query prunes to are the same for every tier.
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
