import type { JobProgress, JobState, JobStatus } from "@ctr/schemas";
import { Job, Queue } from "bullmq";
import type { BackfillOutcome } from "../backfill/executor.ts";
import { finishedFieldsOfOutcome } from "../submission/status_fields.ts";
import { openRedis } from "./connection.ts";
import type { DayOutcome, QueuedShardResult } from "./processors.ts";
import { QUEUE_NAMES } from "./queues.ts";
import type { QueueConfig } from "./worker_runtime.ts";

/** BullMQ's states, as the API names them. */
function toJobState(state: string): JobState | undefined {
  if (state === "completed" || state === "failed") return state;
  if (state === "active" || state === "waiting-children") return "active";
  if (state === "waiting" || state === "delayed" || state === "prioritized") return "waiting";
  return undefined;
}

/** A job's id from its Redis key `prefix:queue:id` (ids and prefixes hold no `:`). */
const idOfKey = (key: string) => key.split(":").slice(2).join(":");

const addShard = (progress: JobProgress, result: QueuedShardResult) => {
  progress.files += result.files.length;
  progress.bytes += result.files.reduce((n, f) => n + f.size, 0);
  progress.views += result.files.reduce((n, f) => n + f.views, 0);
};

/** Adds up what the flow's shards did so far: finished ones from their results, running ones from their progress. */
async function flowProgress(shards: Queue, store: Queue, parent: Job, progress: JobProgress): Promise<void> {
  const children = await parent.getDependencies();
  const commitKeys = [...Object.keys(children.processed ?? {}), ...(children.unprocessed ?? [])].filter(
    (k) => k.includes(`:${QUEUE_NAMES.store}:`) && k.includes(".commit."),
  );
  for (const key of commitKeys) {
    const commit = await Job.fromId<unknown, DayOutcome>(store, idOfKey(key));
    if (!commit) continue;
    if (commit.returnvalue) {
      for (const shard of commit.returnvalue.shards) addShard(progress, shard);
      continue;
    }
    const deps = await commit.getDependencies();
    for (const value of Object.values(deps.processed ?? {})) addShard(progress, value as QueuedShardResult);
    for (const shardKey of deps.unprocessed ?? []) {
      const shard = await Job.fromId(shards, idOfKey(shardKey));
      const p = shard?.progress;
      if (p && typeof p === "object" && "files" in p) {
        const done = p as { files: number; bytes: number; views: number };
        progress.files += done.files;
        progress.bytes += done.bytes;
        progress.views += done.views;
      }
    }
  }
}

/** The three queues opened for reading on one producer connection; `close` disconnects them. */
export interface FlowQueues {
  backfill: Queue;
  store: Queue;
  shards: Queue;
  close(): Promise<void>;
}

/** Opens the queues a status is read from; a long-lived reader (the API) keeps them open. */
export function openFlowQueues(config: QueueConfig): FlowQueues {
  const connection = openRedis(config.redisUrl, "producer");
  const open = (name: string) => new Queue(name, { connection, prefix: config.queuePrefix });
  const queues = {
    backfill: open(QUEUE_NAMES.backfill),
    store: open(QUEUE_NAMES.store),
    shards: open(QUEUE_NAMES.shards),
  };
  return {
    ...queues,
    async close() {
      await Promise.all(Object.values(queues).map((q) => q.close()));
      connection.disconnect();
    },
  };
}

async function statusOfJob(queues: FlowQueues, loaded: Job): Promise<JobStatus | undefined> {
  const state = toJobState(await loaded.getState());
  if (!state || !loaded.id) return undefined;
  // The job may have finished between loading it and reading its state: then the loaded copy has
  // no return value yet, and the finished job must be read again.
  const job =
    state === "completed" && loaded.returnvalue == null
      ? ((await Job.fromId(queues.backfill, loaded.id)) ?? loaded)
      : loaded;
  const data = job.data as { totalFiles?: number; totalBytes?: number; skippedObjects?: number };
  const progress: JobProgress = {
    files: 0,
    totalFiles: data.totalFiles ?? 0,
    bytes: 0,
    totalBytes: data.totalBytes ?? 0,
    views: 0,
  };
  const status: JobStatus = {
    id: loaded.id,
    name: "backfill",
    state,
    ok: false,
    progress,
    malformedLocations: [],
    failures: [],
    refused: [],
    failedFiles: [],
    submittedAt: new Date(job.timestamp).toISOString(),
    ...(job.finishedOn ? { finishedAt: new Date(job.finishedOn).toISOString() } : {}),
  };
  if (state === "completed") {
    const outcome = job.returnvalue as BackfillOutcome;
    Object.assign(status, finishedFieldsOfOutcome(outcome));
    for (const shard of outcome.shards as QueuedShardResult[]) addShard(progress, shard);
  } else if (state === "failed") {
    status.failures = [{ step: "backfill", message: job.failedReason }];
  } else {
    await flowProgress(queues.shards, queues.store, job, progress);
  }
  return status;
}

/** The state, progress and (once finished) counts of a backfill flow; undefined for an unknown id. */
export async function readBackfillStatus(queues: FlowQueues, id: string): Promise<JobStatus | undefined> {
  const job = await Job.fromId(queues.backfill, id);
  return job ? await statusOfJob(queues, job) : undefined;
}

/** The most recent backfills (newest first), at most `limit`. */
export async function listRecentBackfills(queues: FlowQueues, limit = 10): Promise<JobStatus[]> {
  const jobs = await queues.backfill.getJobs(
    ["active", "waiting-children", "waiting", "completed", "failed"],
    0,
    limit * 2,
  );
  jobs.sort((a, b) => b.timestamp - a.timestamp);
  const statuses: JobStatus[] = [];
  for (const job of jobs.slice(0, limit)) {
    const status = await statusOfJob(queues, job);
    if (status) statuses.push(status);
  }
  return statuses;
}
