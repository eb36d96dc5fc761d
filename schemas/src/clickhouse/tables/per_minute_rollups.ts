import { CLICKHOUSE_GMT3 } from "../../time.ts";
import { PRODUCT_VIEWS_PER_MINUTE_TABLE } from "./product_views_per_minute.ts";
import { PURCHASES_PER_MINUTE_TABLE } from "./purchases_per_minute.ts";

/** Product views summed per hour, partitioned like product_views_per_minute_v1 (a month per partition). */
export const PRODUCT_VIEWS_PER_HOUR_TABLE = "product_views_per_hour_v1";
/** Product views summed per GMT-3 day, partitioned like product_views_per_minute_v1 (migration 0004). */
export const PRODUCT_VIEWS_PER_DAY_TABLE = "product_views_per_day_v1";
/** Purchases summed per hour, partitioned like purchases_per_minute_v1 (migration 0004). */
export const PURCHASES_PER_HOUR_TABLE = "purchases_per_hour_v1";
/** Purchases summed per GMT-3 day, partitioned like purchases_per_minute_v1 (migration 0004). */
export const PURCHASES_PER_DAY_TABLE = "purchases_per_day_v1";

/**
 * A coarse copy of a per-minute table: the same columns and partitions, `minute` moved to the start
 * of its period and the measure summed. Its rows are a function of the source partition's rows
 * alone, so a partition replacement rebuilds it from the same staged rows (replacePartition).
 */
export interface Rollup {
  table: string;
  /** The period in minutes: each row's `minute` is a multiple of it, counted from a GMT-3 midnight. */
  grainMinutes: 60 | 1440;
}

/**
 * The rollups of each per-minute table, finest first. Both grains fall on GMT-3 boundaries: a GMT-3
 * hour is a UTC hour (the offset is whole hours), and a GMT-3 day starts at 03:00 UTC.
 */
export const ROLLUPS: Readonly<Record<string, { measure: string; rollups: readonly Rollup[] }>> = {
  [PRODUCT_VIEWS_PER_MINUTE_TABLE]: {
    measure: "views",
    rollups: [
      { table: PRODUCT_VIEWS_PER_HOUR_TABLE, grainMinutes: 60 },
      { table: PRODUCT_VIEWS_PER_DAY_TABLE, grainMinutes: 1440 },
    ],
  },
  [PURCHASES_PER_MINUTE_TABLE]: {
    measure: "purchases",
    rollups: [
      { table: PURCHASES_PER_HOUR_TABLE, grainMinutes: 60 },
      { table: PURCHASES_PER_DAY_TABLE, grainMinutes: 1440 },
    ],
  },
};

/** The rollups of a table (none for a table that has none). */
export function rollupsOf(table: string): readonly Rollup[] {
  return ROLLUPS[table]?.rollups ?? [];
}

/** The start of a minute's period, as SQL over the `minute` column. */
function periodStart(grainMinutes: Rollup["grainMinutes"]): string {
  return grainMinutes === 60 ? "toStartOfHour(minute)" : `toStartOfDay(minute, '${CLICKHOUSE_GMT3}')`;
}

/**
 * The statement that fills `into` (a rollup or its staging table) from the per-minute rows of
 * `from` (the source table or its staging table) that satisfy `where` (SQL over the source's columns,
 * its values bound; e.g. `_partition_id = {partitionId:String}`). Table names come from this module
 * and replacePartition only.
 */
export function rollupInsert(
  source: string,
  rollup: Rollup,
  { from, into, where }: { from: string; into: string; where: string },
): string {
  const measure = ROLLUPS[source]?.measure;
  if (!measure) throw new Error(`${source} has no rollups`);
  return `INSERT INTO ${into} (day, platform, minute, product, ${measure})
          SELECT day, platform, ${periodStart(rollup.grainMinutes)} AS period, product, sum(${measure})
          FROM ${from}
          WHERE ${where}
          GROUP BY day, platform, period, product`;
}
