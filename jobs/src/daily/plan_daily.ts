import {
  formatDay,
  getIngestedFiles,
  type IngestedFile,
  PLATFORMS,
  parseDay,
  parsePlatform,
  type SourceFile,
  type Store,
} from "@ctr/schemas";
import { assertSourceExists, discoverDays, type Folder } from "@ctr/workers";
import { type BackfillPlan, type DayPlan, groupIntoShards } from "../backfill/plan.ts";

/** The UTC day before `now`, `YYYY-MM-DD`: the day a daily run is for by default. */
export function yesterdayUtc(now: Date = new Date()): string {
  return formatDay(new Date(now.getTime() - 24 * 3600 * 1000));
}

/** The days that have a folder under some platform of the source. */
async function sourceDays(source: Folder): Promise<Set<string>> {
  const days = new Set<string>();
  for await (const object of source.list("")) {
    const [platformDir, day, ...rest] = object.key.split("/");
    if (rest.length > 0 && platformDir && parsePlatform(platformDir) && day && parseDay(day)) days.add(day);
  }
  return days;
}

/** True when the manifest holds the file with the same size and etag: its outputs are current. */
const unchanged = (file: SourceFile, loaded: IngestedFile | undefined) =>
  loaded !== undefined && loaded.size === file.size && loaded.etag === file.etag;

/**
 * Plans the incremental run for `date`: every (platform, day) of the source whose listing differs
 * from the manifest (ingested_files_v1) — a new file, a file whose size or etag changed, a file gone —
 * plus `date` itself. Only new and changed files get shards; each planned day is then committed from
 * all its Parquet (unchanged files' outputs are reused, gone files' outputs pruned). Purchases: `date`.
 */
export async function planDaily(
  source: Folder,
  store: Store,
  options: { date: string; shardMaxBytes: number },
): Promise<BackfillPlan> {
  await assertSourceExists(source);
  const days = [...(await sourceDays(source)).add(options.date)].sort();
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
  for (const found of await discoverDays(source, { platforms: PLATFORMS, days })) {
    const manifest = loaded.get(`${found.platform}/${found.day}`) ?? new Map<string, IngestedFile>();
    const changed = found.files.filter((file) => !unchanged(file, manifest.get(file.key)));
    const listed = new Set(found.files.map((f) => f.key));
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
  return {
    source: source.description,
    days: plans,
    purchaseDays: [options.date],
    totalFiles: plans.reduce((n, d) => n + d.files.length, 0),
    totalBytes: plans.reduce((n, d) => n + d.files.reduce((b, f) => b + f.size, 0), 0),
  };
}
