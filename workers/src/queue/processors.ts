import os from "node:os";
import { type JobPayload, messageOf, parseJobPayload, type RefusedDay } from "@ctr/schemas";
import { type Job, UnrecoverableError } from "bullmq";
import type { CommitResult } from "../commit/commit_platform_day.ts";
import type { ShardProgress, ShardResult } from "../ingest/process_shard.ts";
import {
  type BackfillOutcome,
  emptyOutcome,
  type Failure,
  type PurchaseSyncOutcome,
} from "../jobs/backfill_outcome.ts";
import { JobError } from "../jobs/job_error.ts";
import { type JobRunners, unlessRefused } from "../jobs/job_runners.ts";
import { stepName } from "../jobs/step_name.ts";

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

/** Loads the job a Redis key (`prefix:queue:id`, as BullMQ lists a parent's children) names; undefined when it is gone. */
export type JobLoader = (key: string) => Promise<Job | undefined>;

/** This process, as job results name it. */
export const WORKER_ID = `${os.hostname()}:${process.pid}`;

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

/**
 * The children of `parent` that failed their last attempt (kept by `ignoreDependencyOnFailure`), each
 * named from its job's name and data; a child already gone from Redis is named by its key.
 */
async function failedChildren(parent: Job, loadJob: JobLoader): Promise<Failure[]> {
  const failures: Failure[] = [];
  for (const [key, message] of Object.entries(await parent.getIgnoredChildrenFailures())) {
    const child = await loadJob(key);
    failures.push({ step: child ? stepName(child.name, child.data) : key, message });
  }
  return failures;
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
export function processCommitJob(runners: Pick<JobRunners, "commitDay">, loadJob: JobLoader) {
  return (job: Job): Promise<DayOutcome> =>
    asQueueJob(async () => {
      const payload = parsePayload("commit-day", job);
      if (!payload.files)
        throw new UnrecoverableError(`commit-day job ${job.id} carries no files: nothing to prune by`);
      const shards = Object.values(await job.getChildrenValues<QueuedShardResult>());
      const failures = await failedChildren(job, loadJob);
      if (failures.length > 0) return { shards, failures };
      const committed = await unlessRefused(() => runners.commitDay(payload));
      if ("refused" in committed) return { shards, refused: committed.refused, failures };
      const commit = committed.done;
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
      const synced = await unlessRefused(() => runners.syncPurchases(parsePayload("sync-purchases", job)));
      return "refused" in synced ? { refused: synced.refused } : synced.done;
    });
}

/**
 * The `backfill` processor, run when every child finished: adds up the commit-days' and purchase
 * syncs' results, and the failures of children that failed for good, into the backfill's outcome.
 */
export function processBackfillJob(loadJob: JobLoader) {
  return async (job: Job): Promise<BackfillOutcome> => {
    parsePayload("backfill", job);
    const outcome = emptyOutcome();
    const values = await job.getChildrenValues<DayOutcome | PurchasesOutcome>();
    for (const [, value] of Object.entries(values).sort(([a], [b]) => (a < b ? -1 : 1))) {
      if ("shards" in value) {
        outcome.shards.push(...value.shards);
        if (value.commit) outcome.commits.push(value.commit);
        if (value.refused) outcome.refused.push(value.refused);
        outcome.failures.push(...value.failures);
      } else if ("refused" in value) {
        outcome.refused.push(value.refused);
      } else {
        outcome.purchases.push(value);
      }
    }
    outcome.failures.push(...(await failedChildren(job, loadJob)));
    return outcome;
  };
}
