import {
  type BackfillOutcome,
  emptyOutcome,
  type JobRunners,
  openRedis,
  QUEUE_NAMES,
  type QueueConfig,
  type ShardProgress,
  startQueueWorkers,
} from "@ctr/workers";
import { FlowProducer, Job, Queue, QueueEvents } from "bullmq";
import type { Executor, ExecutorEvents } from "../backfill/executor.ts";
import type { RunRange } from "../backfill/job_ids.ts";
import type { BackfillPlan } from "../backfill/plan.ts";
import { ProgressDeltas } from "../backfill/shard_progress.ts";
import { buildBackfillFlow } from "./backfill_flow.ts";

/** A finished backfill worth running again when resubmitted: a step failed or a day was refused. */
const hasFailures = (job: Job) => {
  const outcome = job.returnvalue as BackfillOutcome | null;
  return (outcome?.failures?.length ?? 0) > 0 || (outcome?.refused?.length ?? 0) > 0;
};

/**
 * Adds a plan's flow to Redis and returns the backfill's id. The id is deterministic: when the same
 * backfill (the same files, and `orders` the same state of its days' orders, from readOrdersState) is
 * kept there already (waiting, running or completed), nothing is added and its id is returned; one
 * that failed, or completed with failed steps, is removed with its children first, so resubmitting it
 * runs it again (partition replacement keeps the totals exact).
 */
export async function submitBackfillFlow(
  config: QueueConfig,
  range: RunRange,
  plan: BackfillPlan,
  orders: string,
): Promise<string> {
  const { id, flow } = buildBackfillFlow(range, plan, config.queuePrefix, orders);
  const connection = openRedis(config.redisUrl, "producer");
  const queue = new Queue(QUEUE_NAMES.backfill, { connection, prefix: config.queuePrefix });
  const producer = new FlowProducer({ connection, prefix: config.queuePrefix });
  try {
    const existing = await Job.fromId(queue, id);
    if (existing) {
      const state = await existing.getState();
      if (state === "failed" || (state === "completed" && hasFailures(existing))) await existing.remove();
    }
    await producer.add(flow);
    return id;
  } finally {
    await producer.close();
    await queue.close();
    connection.disconnect();
  }
}

/**
 * Runs a backfill plan as a BullMQ flow and follows it: shard progress comes from the jobs'
 * `updateProgress` (QueueEvents), the outcome from the parent's return value once every child
 * finished. With `storeRunners` this process also consumes the store queue (commits, purchase
 * syncs): the embedded deployment, where only the process owning chDB can commit.
 */
export class BullMqExecutor implements Executor {
  constructor(
    private readonly config: QueueConfig,
    private readonly range: RunRange,
    private readonly options: {
      /** The store handlers of this process, when it owns the embedded ClickHouse. Default: none. */
      storeRunners?: Pick<JobRunners, "commitDay" | "syncPurchases">;
      /** The state of the orders of the plan's purchase days (readOrdersState): part of the flow's id. */
      ordersState: (days: readonly string[]) => Promise<string>;
      log?: (line: string) => void;
    },
  ) {}

  async run(plan: BackfillPlan, events: ExecutorEvents = {}): Promise<BackfillOutcome> {
    const log = this.options.log ?? (() => {});
    const local = await startQueueWorkers(this.config, { store: this.options.storeRunners, backfill: true }, log);
    const connection = openRedis(this.config.redisUrl, "worker");
    const shardEvents = new QueueEvents(QUEUE_NAMES.shards, { connection, prefix: this.config.queuePrefix });
    // SIGTERM/SIGINT stop following, not the flow: this process closes its workers and connections,
    // and the flow goes on in Redis (re-running the same backfill follows it again).
    const interrupted = new AbortController();
    const interrupt = () => interrupted.abort();
    process.once("SIGTERM", interrupt);
    process.once("SIGINT", interrupt);
    try {
      const id = await submitBackfillFlow(
        this.config,
        this.range,
        plan,
        await this.options.ordersState(plan.purchaseDays),
      );
      log(`backfill job ${id}`);
      followShardProgress(shardEvents, id, events);
      const outcome = await waitForOutcome(this.config, id, interrupted.signal);
      // The flow's parent runs once every day is finished.
      for (const _ of plan.days) events.onDayDone?.();
      return outcome;
    } finally {
      process.off("SIGTERM", interrupt);
      process.off("SIGINT", interrupt);
      await shardEvents.close();
      connection.disconnect();
      await local.close(this.config.workerShutdownTimeoutMs);
    }
  }
}

/** Turns the progress events of the flow's shards into deltas (a retried shard starts over from 0). */
function followShardProgress(queueEvents: QueueEvents, flowId: string, events: ExecutorEvents): void {
  const deltas = new ProgressDeltas();
  queueEvents.on("progress", ({ jobId, data }) => {
    if (!jobId.startsWith(`${flowId}.`) || typeof data !== "object" || data === null) return;
    events.onShardProgress?.(deltas.delta(jobId, data as ShardProgress));
  });
}

/**
 * Waits until the backfill's parent finished (`job.waitUntilFinished` on the queue's events) and
 * returns its outcome; a failed parent is one failure. Throws when `signal` aborts, or when the job is
 * not in Redis.
 */
export async function waitForOutcome(config: QueueConfig, id: string, signal?: AbortSignal): Promise<BackfillOutcome> {
  const connection = openRedis(config.redisUrl, "worker");
  const queue = new Queue(QUEUE_NAMES.backfill, { connection, prefix: config.queuePrefix });
  const queueEvents = new QueueEvents(QUEUE_NAMES.backfill, { connection, prefix: config.queuePrefix });
  const interrupted = new Promise<never>((_, reject) => {
    const abort = () =>
      reject(new Error(`interrupted; backfill ${id} goes on in the queue (ctr status ${id}; re-run to follow it)`));
    if (signal?.aborted) abort();
    signal?.addEventListener("abort", abort, { once: true });
  });
  // Its rejection is the one awaited below; unobserved when the flow ends first.
  interrupted.catch(() => undefined);
  try {
    await queueEvents.waitUntilReady();
    const job = await Job.fromId<unknown, BackfillOutcome>(queue, id);
    if (!job) throw new Error(`backfill job ${id} is gone from Redis`);
    try {
      return await Promise.race([job.waitUntilFinished(queueEvents), interrupted]);
    } catch (error) {
      if (signal?.aborted) throw error;
      // A failed parent rejects with its failed reason.
      const failed = await Job.fromId(queue, id);
      if (!failed || (await failed.getState()) !== "failed") throw error;
      return { ...emptyOutcome(), failures: [{ step: "backfill", message: failed.failedReason }] };
    }
  } finally {
    await queueEvents.close();
    await queue.close();
    connection.disconnect();
  }
}
