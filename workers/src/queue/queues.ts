import { JOB_CATALOG, type JobName } from "@ctr/schemas";
import type { JobsOptions } from "bullmq";

/**
 * The queues, by what their consumers need:
 * - `shards`: CPU-heavy conversion of source files to Parquet; any worker takes them.
 * - `store`: commits, purchase syncs and the daily planner, which need ClickHouse. In the embedded
 *   deployment only the process owning chDB (the CLI running the backfill, or `ctr serve`) consumes
 *   it; with CLICKHOUSE_URL every worker does.
 * - `backfill`: the flows' parents, which only add up their children's results; any worker.
 */
export const QUEUE_NAMES = {
  shards: "ctr-shards",
  store: "ctr-store",
  backfill: "ctr-backfill",
} as const;

export type QueueRole = keyof typeof QUEUE_NAMES;

/** The queue each job of the catalog goes to. */
export const QUEUE_OF: Record<JobName, QueueRole> = {
  "ingest-shard": "shards",
  "commit-day": "store",
  "sync-purchases": "store",
  daily: "store",
  backfill: "backfill",
};

/**
 * How long finished jobs stay in Redis: a week, at most 10,000 per queue. While a job is kept, adding
 * one with its id is a no-op, which is what makes resubmission free of duplicate work; after that a
 * resubmission runs again, and partition replacement keeps the totals exact.
 */
export const KEEP_FINISHED = { age: 7 * 24 * 3600, count: 10_000 } as const;

/** The retry policy and retention of a job, from the catalog. */
export function jobOptions(name: JobName): JobsOptions {
  const entry = JOB_CATALOG[name];
  return {
    attempts: entry.attempts,
    backoff: { ...entry.backoff },
    removeOnComplete: KEEP_FINISHED,
    removeOnFail: KEEP_FINISHED,
  };
}
