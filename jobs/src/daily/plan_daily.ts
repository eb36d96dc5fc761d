import {
  formatDay,
  getIngestedFiles,
  type IngestedFile,
  isIncompleteFile,
  PLATFORMS,
  type SourceFile,
  type Store,
} from "@ctr/schemas";
import { assertSourceExists, discoverDays, type Folder, listDayFolders } from "@ctr/workers";
import type { RunRange } from "../backfill/job_ids.ts";
import { type BackfillPlan, type DayPlan, groupIntoShards, type PlanOptions, plannedTotals } from "../backfill/plan.ts";

/** The UTC day before `now`, `YYYY-MM-DD`: the day a daily run is for by default. */
export function yesterdayUtc(now: Date = new Date()): string {
  return formatDay(new Date(now.getTime() - 24 * 3600 * 1000));
}

/**
 * True when the manifest holds the file, loaded, with the same size and etag: its outputs are current.
 * A failed or truncated file is never unchanged: every run reads it again, so a fixed file is picked
 * up and one still incomplete is reported again (its day stays partial, exit 3).
 */
const unchanged = (file: SourceFile, loaded: IngestedFile | undefined) =>
  loaded !== undefined && !isIncompleteFile(loaded) && loaded.size === file.size && loaded.etag === file.etag;

/**
 * Plans the incremental run for `date`: every (platform, day) of the source whose listing differs
 * from the manifest (ingested_files_v1) — a new file, a file whose size or etag changed, a file that
 * failed before, a file gone —
 * plus `date` itself. Only new and changed files get shards; each planned day is then committed from
 * all its Parquet (unchanged files' outputs are reused, gone files' outputs pruned). Purchases: `date`.
 */
export async function planDaily(
  source: Folder,
  store: Store,
  options: { date: string } & PlanOptions,
): Promise<BackfillPlan> {
  await assertSourceExists(source);
  const sourceDays = new Set((await listDayFolders(source, PLATFORMS)).map((folder) => folder.day));
  const days = [...sourceDays.add(options.date)].sort();
  const first = days[0] ?? options.date;
  const last = days[days.length - 1] ?? options.date;
  const loaded = new Map<string, Map<string, IngestedFile>>();
  for (const file of await getIngestedFiles(store.client, { from: first, to: last })) {
    const key = `${file.platform}/${file.day}`;
    const files = loaded.get(key) ?? new Map<string, IngestedFile>();
    files.set(file.file, file);
    loaded.set(key, files);
  }
  const plans: DayPlan[] = [];
  const otherFolders: string[] = [];
  const listed = await discoverDays(
    source,
    { platforms: PLATFORMS, days },
    { onProgress: options.onListing, onOtherFolder: (name) => otherFolders.push(name) },
  );
  for (const found of listed) {
    const manifest = loaded.get(`${found.platform}/${found.day}`) ?? new Map<string, IngestedFile>();
    const changed = found.files.filter((file) => !unchanged(file, manifest.get(file.key)));
    const listed = new Set(found.files.map((f) => f.key));
    // A file gone from the listing gets its day committed again: pruned if it had failed, refused
    // (or dropped with --allow-empty) if it was loaded.
    const gone = [...manifest.keys()].some((key) => !listed.has(key));
    if (changed.length === 0 && !gone && found.day !== options.date) continue;
    plans.push({
      ...found,
      shards: groupIntoShards(changed, options.shardMaxBytes).map((group) => ({
        source: source.description,
        platform: found.platform,
        day: found.day,
        files: group,
      })),
    });
  }
  const totals = plannedTotals({ days: plans });
  return {
    source: source.description,
    days: plans,
    purchaseDays: [options.date],
    totalFiles: totals.files,
    totalBytes: totals.bytes,
    allowEmpty: options.allowEmpty === true,
    otherFolders,
  };
}

/** The range a daily plan touches (its date and every day it commits again), all platforms: its flow's range. */
export function dailyRange(plan: BackfillPlan, date: string): RunRange {
  const days = [date, ...plan.days.map((d) => d.day)].sort();
  return { from: days[0] ?? date, to: days[days.length - 1] ?? date, platforms: [...PLATFORMS] };
}
