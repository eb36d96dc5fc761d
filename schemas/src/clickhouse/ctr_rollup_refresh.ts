import { z } from "zod";
import { DAY_MS, daysBetween, formatDay, GMT3_OFFSET_MS, parseDay, viewFolderDays, viewTimeWindow } from "../time.ts";
import { daysByMonth, monthPartitionId } from "./month_partition.ts";
import { queryRows, runCommand } from "./query.ts";
import { replacePartition } from "./replace_partition.ts";
import type { Store } from "./store.ts";
import { CTR_ROLLUP_DAY, CTR_ROLLUPS, type CtrRollup, ctrRollupDaysSelect } from "./tables/ctr_rollups.ts";
import { recordDataChange } from "./tables/data_generations.ts";
import { PRODUCT_VIEWS_PER_DAY_TABLE, PURCHASES_PER_DAY_TABLE } from "./tables/per_minute_rollups.ts";

/** How often days are gathered again on a server when their sources changed while they were gathered. */
const REFRESH_ATTEMPTS = 3;

const DaySchema = z.object({ day: z.string() });

/** The bound parameters of the gathering of some GMT-3 days (ctrRollupDaysSelect). */
function daysParams(days: readonly string[]): Record<string, unknown> {
  const starts = days.map((day) => {
    const date = parseDay(day);
    if (!date) throw new RangeError(`not a day: ${day}`);
    // The GMT-3 midnight, as a UTC instant.
    return date.getTime() - GMT3_OFFSET_MS;
  });
  const folders = viewFolderDays(Math.min(...starts), Math.max(...starts) + DAY_MS - 1);
  return { days, firstFolderDay: folders.first, lastFolderDay: folders.last };
}

/**
 * Gathers some GMT-3 days of one month of a rollup again from its sources, in one pass: the days'
 * rows go into the month's staging table beside the month's other days as they are, which then
 * replaces the month's partition (replacePartition). Every day is replaced whole: re-running never
 * double counts.
 */
async function gather(store: Store, rollup: CtrRollup, days: readonly string[]): Promise<void> {
  const params = daysParams(days);
  await replacePartition(store, {
    table: rollup.table,
    partitionId: monthPartitionId(days[0] ?? ""),
    slice: { where: `${CTR_ROLLUP_DAY} IN {days:Array(Date)}`, params },
    totalColumn: "views",
    fill: (staging) =>
      runCommand(store.client, {
        name: `fill_staging_${rollup.table}`,
        query: `INSERT INTO ${staging} (platform, minute, product, views, purchases)\n${ctrRollupDaysSelect(rollup)}`,
        params,
      }),
  });
}

/** The days among `days` whose rows in a rollup differ from what its sources give now (compared by count and hash). */
async function staleDays(store: Store, rollup: CtrRollup, days: readonly string[]): Promise<string[]> {
  const digest = (from: string) =>
    `SELECT toString(${CTR_ROLLUP_DAY}) AS day, count() AS n, sum(cityHash64(platform, minute, product, views, purchases)) AS h
     FROM ${from} GROUP BY day`;
  const rows = await queryRows(store.client, {
    name: `check_${rollup.table}`,
    query: `SELECT day FROM (${digest(`(${ctrRollupDaysSelect(rollup)})`)}) AS fresh
            FULL OUTER JOIN (${digest(`${rollup.table} WHERE ${CTR_ROLLUP_DAY} IN {days:Array(Date)}`)}) AS held USING day
            WHERE fresh.n != held.n OR fresh.h != held.h`,
    params: daysParams(days),
    schema: DaySchema,
  });
  return rows.map((row) => row.day);
}

/**
 * Brings GMT-3 days of the CTR rollups (migration 0006) in line with the per-source rollups they
 * gather, after a change of those (a commit, a purchase sync, a rebuild). On a ClickHouse server,
 * several processes may change sources of the same day at once (workers committing neighbouring
 * days): each could gather the day from a state the other then changes, and the older gathering
 * could land last. So there the days are checked against their sources after the replacement and
 * gathered again while some differ; days that keep moving fail the step, which is retried whole.
 * An embedded store has one process, whose steps change the store one at a time: no check.
 */
export async function refreshCtrDays(store: Store, days: Iterable<string>): Promise<void> {
  // A month's days in one gathering: its partition is rewritten once.
  for (const monthDays of daysByMonth([...new Set(days)].sort())) await refreshBatch(store, monthDays);
}

async function refreshBatch(store: Store, days: readonly string[]): Promise<void> {
  for (const rollup of CTR_ROLLUPS) {
    let pending = days;
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > REFRESH_ATTEMPTS) {
        throw new Error(
          `${rollup.table}: the sources of ${pending.join(", ")} kept changing while gathered; run the step again`,
        );
      }
      await gather(store, rollup, pending);
      pending = store.kind === "server" ? await staleDays(store, rollup, pending) : [];
    }
  }
}

/** The GMT-3 days a views partition (folder day, platform) holds views of, from its daily rollup. */
export async function ctrDaysOfViews(store: Store, params: { day: string; platform: string }): Promise<string[]> {
  const rows = await queryRows(store.client, {
    name: "ctr_days_of_views",
    // Not aliased `day`: the alias would shadow the column in WHERE.
    query: `SELECT DISTINCT toString(${CTR_ROLLUP_DAY}) AS gmt3_day FROM ${PRODUCT_VIEWS_PER_DAY_TABLE}
            WHERE day = {day:Date} AND platform = {platform:String}`,
    params,
    schema: z.object({ gmt3_day: z.string() }),
  });
  return rows.map((row) => row.gmt3_day);
}

/**
 * The GMT-3 days whose gathering can change when the views of the folder days `from`..`to` change:
 * the days their windows reach (a folder day F: F-2 to F+1), whatever the folders held before.
 */
export function ctrDaysOfFolders(from: string, to: string): string[] {
  const gmt3Day = (epochMs: number) => formatDay(new Date(epochMs + GMT3_OFFSET_MS));
  return daysBetween(gmt3Day(viewTimeWindow(from).fromMs), gmt3Day(viewTimeWindow(to).toMs - 1));
}

/** Every GMT-3 day the sources hold, and every day each CTR rollup holds. */
async function knownDays(store: Store): Promise<{ sources: Set<string>; rollups: Map<string, Set<string>> }> {
  const sources = await queryRows(store.client, {
    name: "ctr_source_days",
    query: `SELECT DISTINCT toString(${CTR_ROLLUP_DAY}) AS day FROM ${PRODUCT_VIEWS_PER_DAY_TABLE}
            UNION DISTINCT
            SELECT DISTINCT toString(${CTR_ROLLUP_DAY}) AS day FROM ${PURCHASES_PER_DAY_TABLE}`,
    schema: DaySchema,
  });
  const rollups = new Map<string, Set<string>>();
  for (const { table } of CTR_ROLLUPS) {
    const held = await queryRows(store.client, {
      name: `ctr_rollup_days_${table}`,
      query: `SELECT DISTINCT toString(${CTR_ROLLUP_DAY}) AS day FROM ${table}`,
      schema: DaySchema,
    });
    rollups.set(table, new Set(held.map((row) => row.day)));
  }
  return { sources: new Set(sources.map((row) => row.day)), rollups };
}

/**
 * Gathers the GMT-3 days a CTR rollup lacks (a store loaded before migration 0006, or a step that
 * stopped between a source's change and its gathering) and drops those whose sources are gone, with
 * `alsoDays` (the days of rollup partitions the migration just refilled). It compares which days are
 * present, not their content: `ctr rebuild` gathers every day again. The migrations run it after
 * fillMissingRollups; it records a data change when it changed something.
 */
export async function fillMissingCtrDays(store: Store, alsoDays: Iterable<string> = []): Promise<string[]> {
  const { sources, rollups } = await knownDays(store);
  const stale = new Set<string>(alsoDays);
  for (const held of rollups.values()) {
    for (const day of sources) if (!held.has(day)) stale.add(day);
    for (const day of held) if (!sources.has(day)) stale.add(day);
  }
  await refreshCtrDays(store, stale);
  if (stale.size > 0) await recordDataChange(store);
  return [...stale].sort();
}

/** Every GMT-3 day the sources or the CTR rollups hold, gathered again (`ctr rebuild` without a range). */
export async function refreshAllCtrDays(store: Store): Promise<string[]> {
  const { sources, rollups } = await knownDays(store);
  const days = new Set([...sources, ...[...rollups.values()].flatMap((held) => [...held])]);
  await refreshCtrDays(store, days);
  return [...days].sort();
}
