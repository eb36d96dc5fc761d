import { z } from "zod";
import { DAY_MS, daysBetween, formatDay, GMT3_OFFSET_MS, parseDay, viewFolderDays, viewTimeWindow } from "../time.ts";
import { queryRows, runCommand } from "./query.ts";
import { replacePartition } from "./replace_partition.ts";
import type { Store } from "./store.ts";
import { CTR_ROLLUP_DAY, CTR_ROLLUPS, type CtrRollup, ctrRollupDaySelect } from "./tables/ctr_rollups.ts";
import { recordDataChange } from "./tables/data_generations.ts";
import { PRODUCT_VIEWS_PER_DAY_TABLE, PURCHASES_PER_DAY_TABLE } from "./tables/per_minute_rollups.ts";

/** How often a day is gathered again when its sources changed while it was being gathered. */
const REFRESH_ATTEMPTS = 3;

const DaySchema = z.object({ day: z.string() });
const SameSchema = z.object({ same: z.coerce.number() });

/** The bound parameters of one GMT-3 day's gathering (ctrRollupDaySelect). */
function dayParams(day: string): Record<string, string> {
  const date = parseDay(day);
  if (!date) throw new RangeError(`not a day: ${day}`);
  // The GMT-3 midnight, as a UTC instant.
  const startMs = date.getTime() - GMT3_OFFSET_MS;
  const folders = viewFolderDays(startMs, startMs + DAY_MS - 1);
  return { day, firstFolderDay: folders.first, lastFolderDay: folders.last };
}

/** One GMT-3 day of one rollup, gathered again from its sources (the partition is dropped when they hold nothing). */
async function gather(store: Store, rollup: CtrRollup, day: string): Promise<void> {
  await replacePartition(store, {
    table: rollup.table,
    // A validated YYYY-MM-DD (dayParams) only: DDL takes no bound parameters.
    partition: `'${day}'`,
    totalColumn: "views",
    fill: (staging) =>
      runCommand(store.client, {
        name: `fill_staging_${rollup.table}`,
        query: `INSERT INTO ${staging} (platform, minute, product, views, purchases)\n${ctrRollupDaySelect(rollup)}`,
        params: dayParams(day),
      }),
  });
}

/** Whether a rollup's day holds exactly what its sources give now: the same rows, compared by count and hash. */
async function upToDate(store: Store, rollup: CtrRollup, day: string): Promise<boolean> {
  const digest = "(count(), sum(cityHash64(platform, minute, product, views, purchases)))";
  const [row] = await queryRows(store.client, {
    name: `check_${rollup.table}`,
    query: `SELECT (SELECT ${digest} FROM (${ctrRollupDaySelect(rollup)}))
                 = (SELECT ${digest} FROM ${rollup.table} WHERE ${CTR_ROLLUP_DAY} = {day:Date}) AS same`,
    params: dayParams(day),
    schema: SameSchema,
  });
  return row?.same === 1;
}

/**
 * Brings GMT-3 days of the CTR rollups (migration 0006) in line with the per-source rollups they
 * gather, after a change of those (a commit, a purchase sync, a rebuild): a day that differs from
 * what its sources give now is replaced whole, so re-running never double counts, and a day that
 * already agrees costs one check. Checking after each replacement too covers two processes
 * changing sources of the same day at once (workers committing neighbouring days): each could
 * gather the day from a state the other then changes, and the older gathering could land last; the
 * check sees it and gathers again. A day that keeps moving fails the step, which is retried whole.
 */
export async function refreshCtrDays(store: Store, days: Iterable<string>): Promise<void> {
  for (const day of [...new Set(days)].sort()) {
    for (const rollup of CTR_ROLLUPS) {
      for (let attempt = 0; !(await upToDate(store, rollup, day)); attempt++) {
        if (attempt === REFRESH_ATTEMPTS) {
          throw new Error(
            `${rollup.table}: the sources of ${day} kept changing while it was gathered; run the step again`,
          );
        }
        await gather(store, rollup, day);
      }
    }
  }
}

/**
 * The GMT-3 days whose gathering can change when the views of the folder days `from`..`to` change:
 * the days their windows reach (a folder day F: F-2 to F+1), whatever the folders held before.
 */
export function ctrDaysOfFolders(from: string, to: string): string[] {
  const gmt3Day = (epochMs: number) => formatDay(new Date(epochMs + GMT3_OFFSET_MS));
  return daysBetween(gmt3Day(viewTimeWindow(from).fromMs), gmt3Day(viewTimeWindow(to).toMs - 1));
}

/** Every GMT-3 day the sources hold, and every day the CTR rollups hold. */
async function knownDays(store: Store): Promise<{ sources: Set<string>; rollups: Map<string, Set<string>> }> {
  const sources = await queryRows(store.client, {
    name: "ctr_source_days",
    query: `SELECT DISTINCT toString(${CTR_ROLLUP_DAY}) AS day FROM ${PRODUCT_VIEWS_PER_DAY_TABLE}
            UNION DISTINCT
            SELECT DISTINCT toString(${CTR_ROLLUP_DAY}) AS day FROM ${PURCHASES_PER_DAY_TABLE}`,
    schema: DaySchema,
  });
  const parts = await queryRows(store.client, {
    name: "ctr_rollup_days",
    query: `SELECT DISTINCT table, partition AS day FROM system.parts
            WHERE database = currentDatabase() AND active AND table IN {tables:Array(String)}`,
    params: { tables: CTR_ROLLUPS.map((r) => r.table) },
    schema: DaySchema.extend({ table: z.string() }),
  });
  const rollups = new Map(CTR_ROLLUPS.map((r) => [r.table, new Set<string>()]));
  for (const part of parts) rollups.get(part.table)?.add(part.day.replaceAll("'", ""));
  return { sources: new Set(sources.map((row) => row.day)), rollups };
}

/**
 * Gathers the GMT-3 days a CTR rollup lacks (a store loaded before migration 0006, or a step that
 * stopped between a source's change and its gathering) and drops those whose sources are gone. It
 * compares which days are present, not their content: `ctr rebuild` gathers every day again. The
 * migrations run it after fillMissingRollups; it records a data change when it changed something.
 */
export async function fillMissingCtrDays(store: Store): Promise<string[]> {
  const { sources, rollups } = await knownDays(store);
  const stale = new Set<string>();
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
