import { Job, Queue, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { JobRunners } from "../jobs/job_runners.ts";
import { checkEvictionPolicy, isConnectionError, logReconnects, openRedis } from "./connection.ts";
import {
  type JobLoader,
  processBackfillJob,
  processCommitJob,
  processPurchasesJob,
  processShardJob,
  WORKER_ID,
} from "./processors.ts";
import type { QueueConfig } from "./queue_config.ts";
import { QUEUE_NAMES } from "./queues.ts";

/** Which queues this process consumes, with the handlers they call. A queue left out is not consumed. */
export interface QueueConsumers {
  /** Shards: the conversion handler. Concurrency WORKER_CONCURRENCY. */
  shards?: Pick<JobRunners, "ingestShard">;
  /** Store jobs: commits and purchase syncs (and the daily planner); the process must reach ClickHouse. */
  store?: Pick<JobRunners, "commitDay" | "syncPurchases"> & { daily?: (job: Job) => Promise<unknown> };
  /** Flow parents: they only add up their children's results. */
  backfill?: boolean;
}

/** The running workers of one process. */
export interface QueueWorkers {
  readonly workers: readonly Worker[];
  /**
   * Stops taking jobs and waits for the active ones up to `timeoutMs`; then cuts the Redis
   * connection without waiting, which leaves the unfinished jobs' locks to expire so another worker
   * takes them up (stalled-job recovery). Resolves `forced` when it had to: the process should then
   * exit, since the abandoned handlers still run. Closes the Redis connection in both cases.
   */
  close(timeoutMs: number): Promise<"graceful" | "forced">;
}

/**
 * Starts BullMQ workers on the queues `consumers` names. Lock settings come from the configuration
 * (WORKER_LOCK_DURATION_MS, WORKER_STALLED_INTERVAL_MS): the lock is renewed from this thread every
 * half lockDuration, which holds because the CPU-heavy part of a shard runs in DuckDB's own threads
 * (its async API) and the JS part yields between records (see README of this folder).
 */
export async function startQueueWorkers(
  config: QueueConfig,
  consumers: QueueConsumers,
  log: (line: string) => void,
): Promise<QueueWorkers> {
  const connection = openRedis(config.redisUrl, "worker");
  logReconnects(connection, log);
  await checkEvictionPolicy(connection, (message) => log(`warning: ${message}`));
  const common = {
    connection,
    // Jobs record who took them (`processedBy`): `ctr status` and tests can tell the workers apart.
    name: WORKER_ID,
    prefix: config.queuePrefix,
    lockDuration: config.workerLockDurationMs,
    stalledInterval: config.workerStalledIntervalMs,
    // One stall (a killed worker) puts the job back in the queue; a second one fails it, so a job
    // that kills its worker every time (out of memory) cannot go round forever.
    maxStalledCount: 1,
  };
  const children = childLoader(connection, config.queuePrefix);
  const workers: Worker[] = [];
  if (consumers.shards) {
    workers.push(
      new Worker(QUEUE_NAMES.shards, processShardJob(consumers.shards), {
        ...common,
        concurrency: config.workerConcurrency,
      }),
    );
  }
  const store = consumers.store;
  if (store) {
    const commit = processCommitJob(store, children.load);
    const purchases = processPurchasesJob(store);
    const processStoreJob = (job: Job): Promise<unknown> => {
      if (job.name === "commit-day") return commit(job);
      if (job.name === "sync-purchases") return purchases(job);
      if (job.name === "daily" && store.daily) return store.daily(job);
      throw new Error(`the store queue has no handler for job ${job.name}`);
    };
    // One at a time: commits of the embedded store are serialised anyway, and each is short.
    workers.push(new Worker(QUEUE_NAMES.store, processStoreJob, { ...common, concurrency: 1 }));
  }
  if (consumers.backfill) {
    workers.push(new Worker(QUEUE_NAMES.backfill, processBackfillJob(children.load), { ...common, concurrency: 4 }));
  }
  for (const worker of workers) {
    worker.on("failed", (job, error) => {
      const final = job && job.attemptsMade >= (job.opts.attempts ?? 1);
      log(`${worker.name} job ${job?.id ?? "?"} ${final ? "failed" : "will retry"}: ${error.message}`);
    });
    // A lost connection is reported once per attempt by logReconnects; every worker and its blocking
    // connection would report it again here. ioredis keeps reconnecting, the worker resumes by itself.
    worker.on("error", (error) => {
      if (!isConnectionError(error)) log(`${worker.name}: ${error.message}`);
    });
  }
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  return {
    workers,
    async close(timeoutMs) {
      // A close that fails (the connection already gone) has nothing left to wait for either.
      const graceful = Promise.all(workers.map((w) => w.close())).then(
        () => "graceful" as const,
        () => "graceful" as const,
      );
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<"forced">((resolve) => {
        timer = setTimeout(() => resolve("forced"), timeoutMs);
      });
      const how = await Promise.race([graceful, deadline]);
      clearTimeout(timer);
      await children.close();
      // When forced: a second `close(true)` would return the pending graceful close (BullMQ keeps
      // the first one), which still waits for the jobs. Cutting the connection instead stops the
      // lock renewals: the jobs' locks expire and another worker takes them up. The caller exits.
      connection.disconnect();
      return how;
    },
  };
}

/**
 * Loads the children a parent lists by their Redis keys (`prefix:queue:id`, BullMQ's key layout), on
 * the workers' connection: a failed child is named in its parent's outcome from its name and data.
 */
function childLoader(connection: Redis, prefix: string): { load: JobLoader; close(): Promise<void> } {
  const queues = new Map<string, Queue>();
  return {
    load: async (key) => {
      const [keyPrefix, queueName, ...id] = key.split(":");
      if (keyPrefix !== prefix || !queueName) return undefined;
      let queue = queues.get(queueName);
      if (!queue) {
        queue = new Queue(queueName, { connection, prefix });
        queues.set(queueName, queue);
      }
      return (await Job.fromId(queue, id.join(":"))) ?? undefined;
    },
    close: async () => {
      await Promise.all([...queues.values()].map((queue) => queue.close()));
    },
  };
}
