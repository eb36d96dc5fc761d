import {
  type Config,
  daysBetween,
  migrate,
  openStore,
  PLATFORMS,
  type Platform,
  parsePlatform,
  type Store,
} from "@ctr/schemas";
import { type CommitResult, commitPlatformDay, type Folder, openFolder } from "@ctr/workers";

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

/**
 * Rebuilds ClickHouse's per-minute views and file manifest from the Parquet sink: commits every
 * (platform, day) the sink holds, or, with a range, every (platform, day) of the range (days
 * without outputs are emptied).
 */
export async function runRebuild(
  config: Config,
  range: { from: string; to: string } | undefined,
  onCommit: (result: CommitResult) => void,
  /** An open store to use (and leave open). Default: one opened from the configuration and closed at the end. */
  openedStore?: Store,
): Promise<CommitResult[]> {
  const sink = openFolder(config.parquetSink, config.s3);
  const store = openedStore ?? openStore(config.clickhouse);
  try {
    await migrate(store);
    const targets = range
      ? daysBetween(range.from, range.to).flatMap((day) => PLATFORMS.map((platform) => ({ platform, day })))
      : await sinkDays(sink);
    const results: CommitResult[] = [];
    for (const target of targets) {
      const result = await commitPlatformDay(target, { store, sink, s3: config.s3 });
      results.push(result);
      onCommit(result);
    }
    return results;
  } finally {
    if (!openedStore) await store.close();
  }
}
