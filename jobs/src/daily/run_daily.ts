import { type Config, formatLocation, PLATFORMS, parseJobPayload } from "@ctr/schemas";
import { type Folder, openFolder } from "@ctr/workers";
import { type Job, Queue } from "bullmq";
import type { BackfillPlan } from "../backfill/plan.ts";
import { ListingReporter, type ProgressOutput } from "../backfill/progress.ts";
import { recordRun } from "../backfill/run_history.ts";
import type { BackfillSummary } from "../backfill/summary.ts";
import { plural } from "../format.ts";
import { plannedTotals } from "../queue/backfill_flow.ts";
import { submitBackfillFlow } from "../queue/bullmq_executor.ts";
import { openRedis } from "../queue/connection.ts";
import { jobOptions, QUEUE_NAMES } from "../queue/queues.ts";
import type { QueueConfig } from "../queue/worker_runtime.ts";
import {
  executePlan,
  openStoreSide,
  queueConfigOf,
  runnersOf,
  type StoreSide,
} from "../submission/backfill_session.ts";
import { chooseExecutor } from "../submission/choose_executor.ts";
import { planDaily, yesterdayUtc } from "./plan_daily.ts";

/** The range a daily plan touches, for its flow's id and parent. */
function rangeOf(plan: BackfillPlan, date: string) {
  const days = [date, ...plan.days.map((d) => d.day)].sort();
  return { from: days[0] ?? date, to: days[days.length - 1] ?? date, platforms: [...PLATFORMS] };
}

function describePlan(date: string, plan: BackfillPlan): string {
  const totals = plannedTotals(plan);
  return (
    `daily ${date}: ${plural(plan.days.length, "platform-day")} to commit, ` +
    `${plural(totals.files, "new or changed file")} to read (${(totals.bytes / 1024 / 1024).toFixed(1)} MB)\n`
  );
}

/**
 * The incremental run of `date` (default yesterday, UTC) in this process: plans the new or changed
 * files against the manifest, runs them (in-process, or as a BullMQ flow with REDIS_URL), commits the
 * planned days and syncs the day's purchases. Returns the summary; its files are the re-read ones.
 */
export async function runDaily(
  config: Config,
  date: string,
  output: ProgressOutput,
  /** Replace loaded days with less (vanished files, no orders). Default false: refused. */
  options: { allowEmpty?: boolean } = {},
): Promise<BackfillSummary> {
  const startedAt = new Date();
  const source = openFolder(config.eventsSource, config.s3);
  const side = await openStoreSide(config);
  try {
    const plan = await planDaily(source, side.store, {
      date,
      shardMaxBytes: config.shardMaxBytes,
      allowEmpty: options.allowEmpty,
      onListing: new ListingReporter(output).update,
    });
    output.write(describePlan(date, plan));
    const runners = runnersOf(config, side, source);
    const range = rangeOf(plan, date);
    const executor = chooseExecutor(config, runners, range, (line) => output.write(`${line}\n`));
    const summary = await executePlan(executor, plan, output);
    // A queued run's status is in the queue; an in-process one's goes to the store's history.
    if (!queueConfigOf(config)) {
      const run = {
        kind: "daily" as const,
        ...range,
        to: date,
        source: formatLocation(config.eventsSource),
        startedAt,
      };
      await recordRun(side.store, run, summary, (line) => output.write(`${line}\n`));
    }
    return summary;
  } finally {
    await side.close();
  }
}

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
    const id = await submitBackfillFlow(queue, rangeOf(plan, date), plan);
    return { id, date, files: plannedTotals(plan).files };
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
