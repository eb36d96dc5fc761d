import { type Config, ConfigError } from "@ctr/schemas";
import type { Job } from "bullmq";
import { runnersOf } from "../jobs/job_runners.ts";
import type { Folder } from "../source/folder.ts";
import { openFolder } from "../source/open_folder.ts";
import { openStoreSide, type StoreSide } from "../store/store_side.ts";
import type { QueueConfig } from "./queue_config.ts";
import { QUEUE_NAMES } from "./queues.ts";
import { checkRedisReachable } from "./redis_check.ts";
import { queuedShardRunner } from "./shard_runner.ts";
import { type QueueConsumers, startQueueWorkers } from "./worker_runtime.ts";

/** The `daily` job's handler, built on the store side of the process that runs it (the coordinator's planner). */
export type DailyJobFactory = (side: StoreSide, source: Folder) => (job: Job) => Promise<unknown>;

export interface WorkerOptions {
  /** Where the worker's lines go. */
  log: (line: string) => void;
  /** Resolves when the process is asked to stop (SIGTERM, SIGINT), with the reason. */
  stopped: Promise<string>;
  /** The `daily` job of the store queue, when this worker consumes it. Default: the store queue takes no daily jobs. */
  daily?: DailyJobFactory;
}

/**
 * Refuses a worker that would sync purchases from a database only it sees: with CLICKHOUSE_URL every
 * worker consumes the store queue, and without ORDERS_DATABASE_URL its orders database is an empty
 * SQLite file of its own, whose first sync of a day would load no purchases without a word.
 */
export function checkWorkerConfig(config: Config): void {
  if (config.clickhouse.kind === "server" && config.ordersDatabaseIsLocalDefault) {
    throw new ConfigError(
      "ORDERS_DATABASE_URL",
      "ctr worker with CLICKHOUSE_URL runs the purchase syncs and needs the shop's orders database: set ORDERS_DATABASE_URL " +
        "(e.g. postgres://user@host/db); unset, it would read an empty SQLite file of this machine",
    );
  }
}

/**
 * The `ctr worker` process: consumes the shard queue and the flow parents, and, with a ClickHouse
 * server (CLICKHOUSE_URL), the store queue (commits, purchase syncs, daily runs). Runs until
 * `stopped`, then stops taking jobs and waits for the active ones up to WORKER_SHUTDOWN_TIMEOUT_MS.
 * Resolves `forced` when jobs were still running then: their locks are left to expire so another
 * worker retries them, and the caller should exit without waiting for them.
 */
export async function runWorker(
  config: Config,
  queue: QueueConfig,
  { log, stopped, daily }: WorkerOptions,
): Promise<"graceful" | "forced"> {
  checkWorkerConfig(config);
  // The worker's own connections wait for Redis forever (they ride out an outage once running):
  // without this check a wrong or down REDIS_URL would leave it waiting silently at start.
  await checkRedisReachable(queue.redisUrl);
  const consumers: QueueConsumers = { shards: queuedShardRunner(config), backfill: true };
  const side = config.clickhouse.kind === "server" ? await openStoreSide(config) : undefined;
  if (side) {
    const source = openFolder(config.eventsSource, config.s3);
    consumers.store = {
      ...runnersOf(config, side, source),
      ...(daily ? { daily: daily(side, source) } : {}),
    };
  }
  try {
    const workers = await startQueueWorkers(queue, consumers, log);
    const names = [QUEUE_NAMES.shards, QUEUE_NAMES.backfill, ...(side ? [QUEUE_NAMES.store] : [])];
    log(`consuming ${names.join(", ")} (prefix ${config.queuePrefix}, ${config.workerConcurrency} shards at once)`);
    const reason = await stopped;
    log(`${reason}: finishing active jobs (at most ${config.workerShutdownTimeoutMs} ms)`);
    const how = await workers.close(config.workerShutdownTimeoutMs);
    log(how === "graceful" ? "stopped" : "stopped; unfinished jobs were released for another worker");
    return how;
  } finally {
    await side?.close();
  }
}
