import os from "node:os";
import { type JobPayload, parseJobPayload, type RefusedDay } from "@ctr/schemas";
import { type CommitResult, DayRefusedError, JobError, type ShardProgress, type ShardResult } from "@ctr/workers";
import { type Job, UnrecoverableError } from "bullmq";
import type { BackfillOutcome, Failure, JobRunners, PurchaseSyncOutcome } from "../backfill/executor.ts";
import { describeChild } from "./backfill_flow.ts";

/** A shard's result as a queue worker returns it: which worker (host:pid) did it. */
export type QueuedShardResult = ShardResult & { worker: string };

/** What a commit-day job returns: its shards' results, the commit unless a shard failed or the day was refused, the failures. */
export interface DayOutcome {
  shards: QueuedShardResult[];
  commit?: CommitResult;
  refused?: RefusedDay;
  failures: Failure[];
}

/** What a sync-purchases job returns: the sync, or the day refused. */
export type PurchasesOutcome = PurchaseSyncOutcome | { refused: RefusedDay };

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
 * and the failure is passed up with its reason; otherwise the commit handler runs the day's guard
 * (a refused day is passed up as refused), prunes the stale outputs and commits.
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
      let commit: CommitResult;
      try {
        commit = await runners.commitDay(payload);
      } catch (error) {
        // Refused is an answer, not a failure to retry: the day stays as it was, the parent reports it.
        if (error instanceof DayRefusedError) return { shards, refused: error.refusal, failures };
        throw error;
      }
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

/** The `sync-purchases` processor: the purchase sync handler; a refused day is returned as such. */
export function processPurchasesJob(runners: Pick<JobRunners, "syncPurchases">) {
  return (job: Job): Promise<PurchasesOutcome> =>
    asQueueJob(async () => {
      try {
        return await runners.syncPurchases(parsePayload("sync-purchases", job));
      } catch (error) {
        if (error instanceof DayRefusedError) return { refused: error.refusal };
        throw error;
      }
    });
}

/**
 * The `backfill` processor, run when every child finished: adds up the commit-days' and purchase
 * syncs' results, and the failures of children that failed for good, into the backfill's outcome.
 */
export async function processBackfillJob(job: Job): Promise<BackfillOutcome> {
  parsePayload("backfill", job);
  const outcome: BackfillOutcome = { shards: [], commits: [], purchases: [], refused: [], failures: [] };
  const values = await job.getChildrenValues<DayOutcome | PurchasesOutcome>();
  for (const [key, value] of Object.entries(values).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (describeChild(key).kind === "commit") {
      const day = value as DayOutcome;
      outcome.shards.push(...day.shards);
      if (day.commit) outcome.commits.push(day.commit);
      if (day.refused) outcome.refused.push(day.refused);
      outcome.failures.push(...day.failures);
    } else {
      const purchases = value as PurchasesOutcome;
      if ("refused" in purchases) outcome.refused.push(purchases.refused);
      else outcome.purchases.push(purchases);
    }
  }
  for (const [key, message] of Object.entries(await job.getIgnoredChildrenFailures())) {
    outcome.failures.push({ step: describeChild(key).step, message });
  }
  return outcome;
}
