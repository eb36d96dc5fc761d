import { type JobPayload, messageOf } from "@ctr/schemas";
import { type BackfillOutcome, emptyOutcome, type JobRunners, stepName, unlessRefused } from "@ctr/workers";
import type { Executor, ExecutorEvents } from "./executor.ts";
import type { BackfillPlan } from "./plan.ts";
import { ProgressDeltas } from "./shard_progress.ts";

/** Runs `tasks` with at most `limit` at once, in order of start. */
async function runLimited(tasks: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, tasks.length) }, async () => {
    while (next < tasks.length) {
      const task = tasks[next++];
      await task?.();
    }
  });
  await Promise.all(lanes);
}

/**
 * How long after the shards start the store steps that wait for no shard (empty days, purchase syncs)
 * begin: long enough for the shards' first statements to be running in DuckDB's threads (a few
 * file-system round trips and three SETs, 30–50 ms on a loaded machine), so that opening the store
 * (chDB's load blocks this thread for ~1 s) overlaps them instead of holding them back.
 */
const STORE_STEPS_AFTER_MS = 200;

/**
 * Runs the plan in this process: shards of all days share one pool of `concurrency` slots; each
 * (platform, day) is committed as soon as its last shard is done, and only if every shard of it
 * succeeded (a failed day keeps what ClickHouse held before); a refused day is reported as refused.
 * Commits and purchase syncs run beside the shards, not in their slots (they use no DuckDB, and the
 * runners take them one at a time): the purchase syncs and the commits of empty days start
 * STORE_STEPS_AFTER_MS after the shards, or when they are all done. Steps are named as the queue
 * names them (`stepName`).
 */
export class InProcessExecutor implements Executor {
  constructor(
    private readonly runners: JobRunners,
    /** Shards processed at once. Default: WORKER_CONCURRENCY (the number of cores). */
    private readonly concurrency: number,
  ) {}

  async run(plan: BackfillPlan, events: ExecutorEvents = {}): Promise<BackfillOutcome> {
    const outcome = emptyOutcome();
    const fail = (step: string, error: unknown) => outcome.failures.push({ step, message: messageOf(error) });
    const progress = new ProgressDeltas();
    const storeSteps: Promise<void>[] = [];
    // Store steps that need no shard, held until the conversion is under way.
    const held: (() => Promise<void>)[] = [];
    let timer: NodeJS.Timeout | undefined;
    const release = () => {
      clearTimeout(timer);
      for (const step of held.splice(0)) storeSteps.push(step());
    };
    const tasks: (() => Promise<void>)[] = [];
    for (const day of plan.days) {
      const payload: JobPayload<"commit-day"> = {
        platform: day.platform,
        day: day.day,
        files: day.files,
        allowEmpty: plan.allowEmpty,
      };
      let remaining = day.shards.length;
      let failed = false;
      const commit = async () => {
        try {
          if (failed) return;
          const committed = await unlessRefused(() => this.runners.commitDay(payload));
          if ("refused" in committed) outcome.refused.push(committed.refused);
          else outcome.commits.push(committed.done);
        } catch (error) {
          fail(stepName("commit-day", payload), error);
        } finally {
          events.onDayDone?.();
        }
      };
      if (remaining === 0) {
        // An empty or missing day folder still commits: refused when files were loaded for it,
        // emptied when the user allowed it.
        held.push(commit);
        continue;
      }
      for (const [i, shard] of day.shards.entries()) {
        const key = `${day.platform} ${day.day} ${i}`;
        tasks.push(async () => {
          try {
            const result = await this.runners.ingestShard(shard, (done) =>
              events.onShardProgress?.(progress.delta(key, done)),
            );
            outcome.shards.push(result);
          } catch (error) {
            failed = true;
            fail(stepName("ingest-shard", shard), error);
          }
          remaining--;
          if (remaining === 0) storeSteps.push(commit());
        });
      }
    }
    for (const day of plan.purchaseDays) {
      const payload: JobPayload<"sync-purchases"> = { day, allowEmpty: plan.allowEmpty };
      held.push(async () => {
        try {
          const synced = await unlessRefused(() => this.runners.syncPurchases(payload));
          if ("refused" in synced) outcome.refused.push(synced.refused);
          else outcome.purchases.push(synced.done);
        } catch (error) {
          fail(stepName("sync-purchases", payload), error);
        }
      });
    }
    const shards = runLimited(tasks, this.concurrency);
    if (tasks.length === 0) release();
    else timer = setTimeout(release, STORE_STEPS_AFTER_MS);
    await shards;
    release();
    // Every shard's task has added its day's commit by now.
    await Promise.all(storeSteps);
    return outcome;
  }
}
