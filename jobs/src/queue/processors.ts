import os from "node:os";
import { type JobPayload, parseJobPayload } from "@ctr/schemas";
import { type CommitResult, JobError, type ShardProgress, type ShardResult } from "@ctr/workers";
import { type Job, UnrecoverableError } from "bullmq";
import type { BackfillOutcome, Failure, JobRunners, PurchaseSyncOutcome } from "../backfill/executor.ts";
import { describeChild } from "./backfill_flow.ts";

/** A shard's result as a queue worker returns it: which worker (host:pid) did it. */
export type QueuedShardResult = ShardResult & { worker: string };

/** What a commit-day job returns: its shards' results, the commit unless a shard failed, the failures. */
export interface DayOutcome {
  shards: QueuedShardResult[];
  commit?: CommitResult;
  failures: Failure[];
}

/** This process, as job results name it. */
export const WORKER_ID = `${os.hostname()}:${process.pid}`;

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Runs a handler and turns its errors into what BullMQ acts on: a permanent JobError (a poison
 * file) or a payload that does not fit the catalog becomes an UnrecoverableError (no more
 * attempts); anything else is rethrown and retried with the catalog's backoff.
 */
async function asQueueJob<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof JobError && error.permanent) throw new UnrecoverableError(error.message);
    throw error;
  }
}

function parsePayload<Name extends "ingest-shard" | "commit-day" | "sync-purchases" | "backfill">(
  name: Name,
  job: Job,
): JobPayload<Name> {
  try {
    return parseJobPayload(name, job.data);
  } catch (error) {
    throw new UnrecoverableError(
      `job ${job.id} (${name}) has a payload that does not fit the catalog: ${messageOf(error)}`,
    );
  }
}

/** The `ingest-shard` processor: the shard handler, its progress published as the job's progress. */
export function processShardJob(runners: Pick<JobRunners, "ingestShard">) {
  return (job: Job): Promise<QueuedShardResult> =>
    asQueueJob(async () => {
      const payload = parsePayload("ingest-shard", job);
      const result = await runners.ingestShard(payload, (progress: ShardProgress) => {
        // Progress is advisory: a lost update must not fail the shard.
        job.updateProgress({ ...progress }).catch(() => undefined);
      });
      return { ...result, worker: WORKER_ID };
    });
}

/**
 * The `commit-day` processor. Its children are the day's shards: when one failed (its last attempt,
 * recorded by `ignoreDependencyOnFailure`), the day is not committed (ClickHouse keeps what it held)
 * and the failure is passed up with its reason; otherwise the stale outputs are pruned and the day
 * committed from all its Parquet.
 */
export function processCommitJob(runners: Pick<JobRunners, "commitDay">) {
  return (job: Job): Promise<DayOutcome> =>
    asQueueJob(async () => {
      const payload = parsePayload("commit-day", job);
      if (!payload.files)
        throw new UnrecoverableError(`commit-day job ${job.id} carries no files: nothing to prune by`);
      const shards = Object.values(await job.getChildrenValues<QueuedShardResult>());
      const failures = Object.entries(await job.getIgnoredChildrenFailures()).map(([key, message]) => ({
        step: describeChild(key).step,
        message,
      }));
      if (failures.length > 0) return { shards, failures };
      const commit = await runners.commitDay(
        { platform: payload.platform, day: payload.day },
        payload.files.map((f) => f.key),
      );
      if (commit.files < payload.files.length) {
        // Every file of the day has outputs once its shard succeeded, unless the shards wrote them
        // somewhere else: a worker with another PARQUET_SINK would otherwise lose data silently.
        throw new UnrecoverableError(
          `${payload.platform} ${payload.day}: the sink holds outputs of ${commit.files} of the day's ${payload.files.length} files; ` +
            "do the workers and this process share PARQUET_SINK?",
        );
      }
      return { shards, commit, failures };
    });
}

/** The `sync-purchases` processor: the purchase sync handler. */
export function processPurchasesJob(runners: Pick<JobRunners, "syncPurchases">) {
  return (job: Job): Promise<PurchaseSyncOutcome> =>
    asQueueJob(() => runners.syncPurchases(parsePayload("sync-purchases", job)));
}

/**
 * The `backfill` processor, run when every child finished: adds up the commit-days' and purchase
 * syncs' results, and the failures of children that failed for good, into the backfill's outcome.
 */
export async function processBackfillJob(job: Job): Promise<BackfillOutcome> {
  parsePayload("backfill", job);
  const outcome: BackfillOutcome = { shards: [], commits: [], purchases: [], failures: [] };
  const values = await job.getChildrenValues<DayOutcome | PurchaseSyncOutcome>();
  for (const [key, value] of Object.entries(values).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (describeChild(key).kind === "commit") {
      const day = value as DayOutcome;
      outcome.shards.push(...day.shards);
      if (day.commit) outcome.commits.push(day.commit);
      outcome.failures.push(...day.failures);
    } else {
      outcome.purchases.push(value as PurchaseSyncOutcome);
    }
  }
  for (const [key, message] of Object.entries(await job.getIgnoredChildrenFailures())) {
    outcome.failures.push({ step: describeChild(key).step, message });
  }
  return outcome;
}
