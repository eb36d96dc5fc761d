import { daysBetween, type JobPayload, type Platform, type SourceFile } from "@ctr/schemas";
import { discoverDays, type Folder, type ListingProgress } from "@ctr/workers";

/** The work of one (platform, day): its shards, then its commit. */
export interface DayPlan {
  platform: Platform;
  day: string;
  /** Every event file of the day folder; outputs of files not in it are pruned before the commit. */
  files: SourceFile[];
  /** Objects in the day folder that are not event files. */
  skipped: number;
  shards: JobPayload<"ingest-shard">[];
}

/** Everything a backfill does, in order: shards and commits per (platform, day), then purchase syncs. */
export interface BackfillPlan {
  source: string;
  days: DayPlan[];
  /** GMT-3 days whose purchases are synced. */
  purchaseDays: string[];
  /** The files and bytes the plan's shards read (`plannedTotals`): what its progress counts against. */
  totalFiles: number;
  totalBytes: number;
  /** The user's consent to replace loaded data with less (--allow-empty): commits and syncs carry it. */
  allowEmpty: boolean;
  /** Top-level folders of the source that are no platform's (`Windows`): never read, named in the summary. */
  otherFolders?: string[];
}

/** What a planner takes besides its range. */
export interface PlanOptions {
  shardMaxBytes: number;
  /** Default false: a day whose listing lost loaded files is refused. */
  allowEmpty?: boolean;
  /** Called after each day folder listed. Default: nothing shown. */
  onListing?: (progress: ListingProgress) => void;
}

/** The files and bytes the shards of `days` read (a daily plan reads only the new or changed files of its days). */
export function plannedTotals({ days }: Pick<BackfillPlan, "days">): { files: number; bytes: number } {
  const files = days.flatMap((d) => d.shards.flatMap((s) => s.files));
  return { files: files.length, bytes: files.reduce((n, f) => n + f.size, 0) };
}

/** How many shards a plan has. */
export const shardCount = ({ days }: Pick<BackfillPlan, "days">): number =>
  days.reduce((n, d) => n + d.shards.length, 0);

/**
 * How many of the plan's shards run at once in this process, at most `concurrency`: fewer shards than
 * slots (one big file, say) share the cores among the shards that exist.
 */
export const concurrentShards = (plan: Pick<BackfillPlan, "days">, concurrency: number): number =>
  Math.max(1, Math.min(concurrency, shardCount(plan)));

/**
 * Groups a day's files into shards of at most `maxBytes` source bytes, in key order; a file
 * larger than `maxBytes` gets a shard of its own.
 */
export function groupIntoShards(files: readonly SourceFile[], maxBytes: number): SourceFile[][] {
  const shards: SourceFile[][] = [];
  let current: SourceFile[] = [];
  let bytes = 0;
  for (const file of files) {
    if (current.length > 0 && bytes + file.size > maxBytes) {
      shards.push(current);
      current = [];
      bytes = 0;
    }
    current.push(file);
    bytes += file.size;
  }
  if (current.length > 0) shards.push(current);
  return shards;
}

/** Lists the source's day folders from..to of the platforms and splits them into shards. */
export async function planBackfill(
  source: Folder,
  options: { from: string; to: string; platforms: readonly Platform[] } & PlanOptions,
): Promise<BackfillPlan> {
  const days = daysBetween(options.from, options.to);
  const otherFolders: string[] = [];
  const found = await discoverDays(
    source,
    { platforms: options.platforms, days },
    { onProgress: options.onListing, onOtherFolder: (name) => otherFolders.push(name) },
  );
  const plans: DayPlan[] = found.map(({ platform, day, files, skipped }) => ({
    platform,
    day,
    files,
    skipped,
    shards: groupIntoShards(files, options.shardMaxBytes).map((group) => ({
      source: source.description,
      platform,
      day,
      files: group,
    })),
  }));
  const totals = plannedTotals({ days: plans });
  return {
    source: source.description,
    days: plans,
    purchaseDays: days,
    totalFiles: totals.files,
    totalBytes: totals.bytes,
    allowEmpty: options.allowEmpty === true,
    otherFolders,
  };
}
