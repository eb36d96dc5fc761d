import type { JobProgress, JobState, JobStatus } from "@ctr/schemas";
import {
  type BackfillOutcome,
  type DayOutcome,
  openRedis,
  QUEUE_NAMES,
  type QueueConfig,
  type ShardProgress,
} from "@ctr/workers";
import { Job, Queue } from "bullmq";
import { finishedFieldsOfOutcome } from "../backfill/job_status.ts";
import { addProgress, NO_PROGRESS, progressOfShard } from "../backfill/shard_progress.ts";

/** BullMQ's states, as the API names them. */
function toJobState(state: string): JobState | undefined {
  if (state === "completed" || state === "failed") return state;
  if (state === "active" || state === "waiting-children") return "active";
  if (state === "waiting" || state === "delayed" || state === "prioritized") return "waiting";
  return undefined;
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

/** The children of `parent` that `queue` holds: its processed ones with their values, the others by id. */
async function childrenIn(parent: Job, queue: Queue): Promise<{ values: unknown[]; pending: string[] }> {
  const { processed = {}, unprocessed = [] } = await parent.getDependencies();
  const own = (key: string) => key.startsWith(`${queue.qualifiedName}:`);
  return {
    values: Object.entries(processed)
      .filter(([key]) => own(key))
      .map(([, value]) => value),
    pending: unprocessed.filter(own).map((key) => key.slice(queue.qualifiedName.length + 1)),
  };
}

/** Adds up what the flow's shards did so far: finished ones from their results, running ones from their progress. */
async function flowProgress(queues: FlowQueues, parent: Job): Promise<ShardProgress> {
  let done: ShardProgress = NO_PROGRESS;
  const addShards = (day: DayOutcome) => {
    for (const shard of day.shards) done = addProgress(done, progressOfShard(shard));
  };
  const stored = await childrenIn(parent, queues.store);
  for (const value of stored.values)
    if (typeof value === "object" && value && "shards" in value) addShards(value as DayOutcome);
  for (const id of stored.pending) {
    const child = await Job.fromId<unknown, DayOutcome>(queues.store, id);
    if (child?.name !== "commit-day") continue;
    if (child.returnvalue) {
      addShards(child.returnvalue);
      continue;
    }
    const shards = await childrenIn(child, queues.shards);
    for (const value of shards.values) done = addProgress(done, progressOfShard(value as DayOutcome["shards"][number]));
    for (const shardId of shards.pending) {
      const progress = (await Job.fromId(queues.shards, shardId))?.progress;
      if (progress && typeof progress === "object" && "files" in progress) {
        done = addProgress(done, progress as ShardProgress);
      }
    }
  }
  return done;
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
  const data = job.data as { totalFiles?: number; totalBytes?: number };
  const totals = { totalFiles: data.totalFiles ?? 0, totalBytes: data.totalBytes ?? 0 };
  const status: JobStatus = {
    id: loaded.id,
    name: "backfill",
    state,
    ok: false,
    progress: { ...NO_PROGRESS, ...totals },
    malformedLocations: [],
    failures: [],
    refused: [],
    failedFiles: [],
    submittedAt: new Date(job.timestamp).toISOString(),
    ...(job.finishedOn ? { finishedAt: new Date(job.finishedOn).toISOString() } : {}),
  };
  const progressOf = (done: ShardProgress): JobProgress => ({ ...done, ...totals });
  if (state === "completed") {
    const outcome = job.returnvalue as BackfillOutcome;
    Object.assign(status, finishedFieldsOfOutcome(outcome));
    status.progress = progressOf(outcome.shards.map(progressOfShard).reduce(addProgress, NO_PROGRESS));
  } else if (state === "failed") {
    status.failures = [{ step: "backfill", message: job.failedReason }];
  } else {
    status.progress = progressOf(await flowProgress(queues, job));
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
