import { type Config, parseJobPayload } from "@ctr/schemas";
import {
  type Folder,
  jobOptions,
  openRedis,
  QUEUE_NAMES,
  type QueueConfig,
  type QueueWorkers,
  runnersOf,
  type StoreSide,
  startQueueWorkers,
} from "@ctr/workers";
import { type Job, Queue } from "bullmq";
import { dailyRange, planDaily, yesterdayUtc } from "../daily/plan_daily.ts";
import { submitBackfillFlow } from "./bullmq_executor.ts";
import { readOrdersState } from "./orders_state.ts";

/**
 * The `daily` job of the store queue (what the cron schedule adds): plans the run and submits it as a
 * flow without waiting for it (its commits go through this same queue). Returns the flow's id.
 */
export function dailyJobHandler(config: Config, queue: QueueConfig, side: StoreSide, source: Folder) {
  return async (job: Job): Promise<{ id: string; date: string; files: number }> => {
    const payload = parseJobPayload("daily", job.data);
    const date = payload.date ?? yesterdayUtc(new Date(job.timestamp));
    const plan = await planDaily(source, side.store, {
      date,
      shardMaxBytes: config.shardMaxBytes,
      allowEmpty: payload.allowEmpty,
    });
    const orders = await readOrdersState(config, plan.purchaseDays, side.orders);
    const id = await submitBackfillFlow(queue, dailyRange(plan, date), plan, orders);
    return { id, date, files: plan.totalFiles };
  };
}

/** The id of the daily job scheduler in Redis: one per deployment (per QUEUE_PREFIX). */
export const DAILY_SCHEDULER_ID = "ctr-daily";

/**
 * Creates or updates the cron schedule of the daily run (BullMQ job scheduler, UTC), or removes it
 * when `pattern` is undefined. The store queue's consumer runs it: `ctr serve` in the embedded
 * deployment, any `ctr worker` with CLICKHOUSE_URL.
 */
export async function scheduleDaily(config: QueueConfig, pattern: string | undefined): Promise<void> {
  const connection = openRedis(config.redisUrl, "producer");
  const queue = new Queue(QUEUE_NAMES.store, { connection, prefix: config.queuePrefix });
  try {
    if (pattern === undefined) {
      await queue.removeJobScheduler(DAILY_SCHEDULER_ID);
      return;
    }
    const { attempts, backoff, removeOnComplete, removeOnFail } = jobOptions("daily");
    await queue.upsertJobScheduler(
      DAILY_SCHEDULER_ID,
      { pattern, tz: "UTC" },
      { name: "daily", data: {}, opts: { attempts, backoff, removeOnComplete, removeOnFail } },
    );
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

/**
 * Consumes the store queue (commits, purchase syncs, the daily runs) and the flow parents in the
 * process that owns the embedded ClickHouse (`ctr serve` with REDIS_URL): no worker can commit there.
 */
export function consumeStoreQueue(
  config: Config,
  queue: QueueConfig,
  side: StoreSide,
  source: Folder,
  log: (line: string) => void,
): Promise<QueueWorkers> {
  const store = { ...runnersOf(config, side, source), daily: dailyJobHandler(config, queue, side, source) };
  return startQueueWorkers(queue, { store, backfill: true }, log);
}
