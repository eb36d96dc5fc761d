import type { ShardProgress } from "@ctr/workers";
import { FlowProducer, Job, Queue, QueueEvents } from "bullmq";
import type { BackfillOutcome, Executor, ExecutorEvents, JobRunners } from "../backfill/executor.ts";
import type { BackfillPlan } from "../backfill/plan.ts";
import { buildBackfillFlow, type FlowRequest } from "./backfill_flow.ts";
import { openRedis } from "./connection.ts";
import { QUEUE_NAMES } from "./queues.ts";
import { type QueueConfig, startQueueWorkers } from "./worker_runtime.ts";

/** How often the coordinator looks at the flow's parent while it waits. Default 500 ms. */
const POLL_MS = 500;

/** A finished backfill worth running again when resubmitted: a step failed or a day was refused. */
const hasFailures = (job: Job) => {
  const outcome = job.returnvalue as BackfillOutcome | null;
  return (outcome?.failures?.length ?? 0) > 0 || (outcome?.refused?.length ?? 0) > 0;
};

/**
 * Adds a plan's flow to Redis and returns the backfill's id. The id is deterministic: when the same
 * backfill is kept there already (waiting, running or completed), nothing is added and its id is
 * returned; one that failed, or completed with failed steps, is removed with its children first, so
 * resubmitting it runs it again (partition replacement keeps the totals exact).
 */
export async function submitBackfillFlow(
  config: QueueConfig,
  request: FlowRequest,
  plan: BackfillPlan,
): Promise<string> {
  const { id, flow } = buildBackfillFlow(request, plan, config.queuePrefix);
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
    private readonly request: FlowRequest,
    private readonly options: {
      /** The store handlers of this process, when it owns the embedded ClickHouse. Default: none. */
      storeRunners?: Pick<JobRunners, "commitDay" | "syncPurchases">;
      log?: (line: string) => void;
    } = {},
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
      const id = await submitBackfillFlow(this.config, this.request, plan);
      log(`backfill job ${id}`);
      followShardProgress(shardEvents, id, events);
      const outcome = await waitForOutcome(this.config, id, interrupted.signal);
      for (const commit of outcome.commits) events.onCommit?.(commit);
      for (const refusal of outcome.refused) events.onRefused?.(refusal);
      for (const failure of outcome.failures) events.onFailure?.(failure);
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
  const last = new Map<string, ShardProgress>();
  queueEvents.on("progress", ({ jobId, data }) => {
    if (!jobId.startsWith(`${flowId}.`) || typeof data !== "object" || data === null) return;
    const now = data as ShardProgress;
    const before = last.get(jobId) ?? { files: 0, bytes: 0, views: 0 };
    last.set(jobId, now);
    events.onShardProgress?.({
      files: now.files - before.files,
      bytes: now.bytes - before.bytes,
      views: now.views - before.views,
    });
  });
}

/**
 * Waits until the backfill's parent finished and returns its outcome (a failed parent is one
 * failure). Throws when `signal` aborts.
 */
export async function waitForOutcome(config: QueueConfig, id: string, signal?: AbortSignal): Promise<BackfillOutcome> {
  const connection = openRedis(config.redisUrl, "worker");
  const queue = new Queue(QUEUE_NAMES.backfill, { connection, prefix: config.queuePrefix });
  try {
    for (;;) {
      if (signal?.aborted) {
        throw new Error(`interrupted; backfill ${id} goes on in the queue (ctr status ${id}; re-run to follow it)`);
      }
      // The state first, then the job: a job loaded before it finished would carry no return value.
      const state = await queue.getJobState(id);
      if (state === "completed" || state === "failed") {
        const job = await Job.fromId<unknown, BackfillOutcome>(queue, id);
        if (!job) throw new Error(`backfill job ${id} is gone from Redis`);
        if (state === "completed") return job.returnvalue;
        return {
          shards: [],
          commits: [],
          purchases: [],
          refused: [],
          failures: [{ step: "backfill", message: job.failedReason }],
        };
      }
      if (state === "unknown") throw new Error(`backfill job ${id} is gone from Redis`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    await queue.close();
    connection.disconnect();
  }
}
