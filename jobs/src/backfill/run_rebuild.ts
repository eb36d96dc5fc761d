import {
  type Config,
  ctrDaysOfFolders,
  daysBetween,
  PLATFORMS,
  type Platform,
  PURCHASES_PER_MINUTE_TABLE,
  parsePlatform,
  type RefusedDay,
  type RollupFill,
  rebuildRollups,
  recordingDataChange,
  refreshAllCtrDays,
  refreshCtrDays,
  type Store,
} from "@ctr/schemas";
import { type CommitResult, commitPlatformDay, type Folder, openFolder, unlessRefused, withStore } from "@ctr/workers";

/** The (platform, day)s the sink holds outputs for, from its manifests, in order. */
export async function sinkDays(sink: Folder): Promise<{ platform: Platform; day: string }[]> {
  const found = new Map<string, { platform: Platform; day: string }>();
  for await (const object of sink.list("manifest/")) {
    const match = /^manifest\/platform=([^/]+)\/date=(\d{4}-\d{2}-\d{2})\//.exec(object.key);
    const platform = match?.[1] ? parsePlatform(match[1]) : undefined;
    if (platform && match?.[2]) found.set(`${match[2]} ${platform}`, { platform, day: match[2] });
  }
  return [...found.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, v]) => v);
}

/** What a rebuild did: the platform-days it committed, and those it left as they were. */
export interface RebuildOutcome {
  commits: CommitResult[];
  /** Days whose loaded files the sink no longer holds: left as they were unless `allowEmpty`. */
  refused: RefusedDay[];
  /** The purchases' rollup partitions rebuilt from purchases_per_minute_v1. */
  purchaseRollups: RollupFill[];
}

/**
 * Rebuilds ClickHouse's per-minute views, their rollups and the file manifest from the Parquet sink:
 * commits every (platform, day) the sink holds, or, with a range, every (platform, day) of the range.
 * The purchases (not in the sink: the orders database is their source) keep their per-minute rows,
 * and their rollups are rebuilt from them, every day or the range's; then the CTR rollups, which
 * gather both sides per GMT-3 day. Nothing loaded
 * is replaced by less without being asked: a day whose loaded files have no outputs in the sink (an
 * empty or wrong PARQUET_SINK) is refused and left as it was, unless `allowEmpty` (then it is
 * emptied, or keeps only what the sink holds).
 */
export async function runRebuild(
  config: Config,
  range: { from: string; to: string } | undefined,
  onCommit: (result: CommitResult) => void,
  /** An open store to use (and leave open). Default: one opened from the configuration and closed at the end. */
  openedStore?: Store,
  { allowEmpty = false, onRefused }: { allowEmpty?: boolean; onRefused?: (refusal: RefusedDay) => void } = {},
): Promise<RebuildOutcome> {
  const sink = openFolder(config.parquetSink, config.s3);
  return withStore(config, openedStore, async (store) => {
    const targets = range
      ? daysBetween(range.from, range.to).flatMap((day) => PLATFORMS.map((platform) => ({ platform, day })))
      : await sinkDays(sink);
    const outcome: RebuildOutcome = { commits: [], refused: [], purchaseRollups: [] };
    for (const target of targets) {
      const committed = await unlessRefused(() =>
        commitPlatformDay({ ...target, allowEmpty }, { store, sink, s3: config.s3 }),
      );
      if ("refused" in committed) {
        outcome.refused.push(committed.refused);
        onRefused?.(committed.refused);
      } else {
        outcome.commits.push(committed.done);
        onCommit(committed.done);
      }
    }
    outcome.purchaseRollups = await recordingDataChange(store, async () => {
      const fills = await rebuildRollups(store, PURCHASES_PER_MINUTE_TABLE, range);
      // The CTR rollups gather both sides: the range's days (and those its views' windows reach), or all.
      if (range) await refreshCtrDays(store, ctrDaysOfFolders(range.from, range.to));
      else await refreshAllCtrDays(store);
      return fills;
    });
    return outcome;
  });
}
