import { CLICKHOUSE_GMT3 } from "../../time.ts";
import {
  PRODUCT_VIEWS_PER_DAY_TABLE,
  PRODUCT_VIEWS_PER_HOUR_TABLE,
  PURCHASES_PER_DAY_TABLE,
  PURCHASES_PER_HOUR_TABLE,
} from "./per_minute_rollups.ts";

/** Views and purchases summed per hour, one partition per GMT-3 day (migration 0006). */
export const CTR_PER_HOUR_TABLE = "ctr_per_hour_v1";
/** Views and purchases summed per GMT-3 day, one partition per GMT-3 day (migration 0006). */
export const CTR_PER_DAY_TABLE = "ctr_per_day_v1";

/**
 * A table /ctr reads for requests on its grain: both counts of a (period, platform, product) in one
 * row, gathered from the per-source rollups of the same grain (migration 0004).
 */
export interface CtrRollup {
  table: string;
  /** The period in minutes, counted from a GMT-3 midnight, as in per_minute_rollups.ts. */
  grainMinutes: 60 | 1440;
  /** The per-source rollups of the same grain it is gathered from. */
  views: string;
  purchases: string;
}

/** Finest first. */
export const CTR_ROLLUPS: readonly CtrRollup[] = [
  {
    table: CTR_PER_HOUR_TABLE,
    grainMinutes: 60,
    views: PRODUCT_VIEWS_PER_HOUR_TABLE,
    purchases: PURCHASES_PER_HOUR_TABLE,
  },
  {
    table: CTR_PER_DAY_TABLE,
    grainMinutes: 1440,
    views: PRODUCT_VIEWS_PER_DAY_TABLE,
    purchases: PURCHASES_PER_DAY_TABLE,
  },
];

/** The GMT-3 day of a period's start: the partition of the row, as SQL over `minute`. */
export const CTR_ROLLUP_DAY = `toDate(minute, '${CLICKHOUSE_GMT3}')`;

/**
 * The rows of some GMT-3 days (bound `{days:Array(Date)}`) of a rollup, from its sources: the views
 * of the folder days that can hold those days' views (bound `{firstFolderDay:Date}`,
 * `{lastFolderDay:Date}`, which prune the views' partitions) and the purchases of the days' own
 * partitions (purchases are partitioned by the GMT-3 day of their orders). Columns in the table's
 * order.
 */
export function ctrRollupDaysSelect({ views, purchases }: CtrRollup): string {
  return `SELECT platform, minute, product, sum(views) AS views, sum(purchases) AS purchases
          FROM (
            SELECT platform, minute, product, views, toUInt64(0) AS purchases FROM ${views}
            WHERE day BETWEEN {firstFolderDay:Date} AND {lastFolderDay:Date} AND ${CTR_ROLLUP_DAY} IN {days:Array(Date)}
            UNION ALL
            SELECT platform, minute, product, toUInt64(0) AS views, purchases FROM ${purchases}
            WHERE day IN {days:Array(Date)}
          )
          GROUP BY platform, minute, product`;
}
