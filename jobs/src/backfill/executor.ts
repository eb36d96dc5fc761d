import type { BackfillOutcome, ShardProgress } from "@ctr/workers";
import type { BackfillPlan } from "./plan.ts";

/** Progress events an executor reports while it runs. */
export interface ExecutorEvents {
  /** A shard advanced: `delta` is what it finished since its last report. */
  onShardProgress?(delta: ShardProgress): void;
  /** A (platform, day) is finished: committed, refused, or failed (a shard of it or its commit). */
  onDayDone?(): void;
}

/**
 * Runs a backfill plan to its end: every shard, each (platform, day)'s commit once its shards are
 * done, the purchase syncs. The in-process executor calls the job handlers itself; the BullMQ one
 * runs the plan as a flow of the same jobs on the queue's workers. Callers pick one with
 * `chooseExecutor` and never need to know which.
 */
export interface Executor {
  run(plan: BackfillPlan, events?: ExecutorEvents): Promise<BackfillOutcome>;
}
