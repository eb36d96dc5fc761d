import type { ShardProgress, ShardResult } from "@ctr/workers";

// The one place progress is added up: shards report their totals so far; a run shows files, bytes
// and views done across its shards, whether they run in this process or on the queue.

/** Nothing done yet. */
export const NO_PROGRESS: Readonly<ShardProgress> = { files: 0, bytes: 0, views: 0 };

/** `a` and `b` together. */
export function addProgress(a: ShardProgress, b: ShardProgress): ShardProgress {
  return { files: a.files + b.files, bytes: a.bytes + b.bytes, views: a.views + b.views };
}

/** What a finished shard did, counted as its progress reports count it: every file, its bytes and views. */
export function progressOfShard(result: Pick<ShardResult, "files">): ShardProgress {
  return result.files.reduce((done, file) => addProgress(done, { files: 1, bytes: file.size, views: file.views }), {
    ...NO_PROGRESS,
  });
}

/**
 * Turns each shard's reports (its totals so far) into what it did since its last report, so a run
 * can add them up; a shard that starts over (a retried job) reports from 0 again.
 */
export class ProgressDeltas {
  private readonly last = new Map<string, ShardProgress>();

  /** What `shard` did since its last report. */
  delta(shard: string, now: ShardProgress): ShardProgress {
    const before = this.last.get(shard) ?? NO_PROGRESS;
    this.last.set(shard, now);
    return { files: now.files - before.files, bytes: now.bytes - before.bytes, views: now.views - before.views };
  }
}
