import type { JobPayload, RefusedDay } from "@ctr/schemas";
import { type CommitResult, DayRefusedError, type ShardProgress, type ShardResult } from "@ctr/workers";
import { plural } from "../format.ts";
import type { BackfillPlan } from "./plan.ts";

/** What a purchase sync reported, as far as the backfill summary needs it. */
export interface PurchaseSyncOutcome {
  day: string;
  rows: number;
  purchases: number;
  unmapped: number;
  excluded: number;
}

/** A step that failed, with its error's message. */
export interface Failure {
  step: string;
  message: string;
}

/** Everything a backfill did: shard and commit results, purchase syncs, refused days, failures. */
export interface BackfillOutcome {
  shards: ShardResult[];
  commits: CommitResult[];
  purchases: PurchaseSyncOutcome[];
  /** Days left as they were because the run would have replaced loaded data with less. */
  refused: RefusedDay[];
  failures: Failure[];
}

/** Progress events the executor reports while it runs. */
export interface ExecutorEvents {
  /** A shard advanced: `delta` is what it finished since its last report. */
  onShardProgress?(delta: ShardProgress): void;
  onCommit?(result: CommitResult): void;
  onRefused?(refusal: RefusedDay): void;
  onFailure?(failure: Failure): void;
}

/**
 * Runs a backfill plan. The in-process executor runs the job handlers directly; a BullMQ
 * executor runs the same plan as a flow of jobs.
 */
export interface Executor {
  run(plan: BackfillPlan, events?: ExecutorEvents): Promise<BackfillOutcome>;
}

/** The job handlers an executor calls, bound to their dependencies. */
export interface JobRunners {
  ingestShard(payload: JobPayload<"ingest-shard">, onProgress: (progress: ShardProgress) => void): Promise<ShardResult>;
  /**
   * Commits the (platform, day) from its listing (`payload.files`): refuses it with a DayRefusedError
   * when loaded files vanished (unless `allowEmpty`), else prunes the outputs of files gone from the
   * day folder and commits.
   */
  commitDay(payload: JobPayload<"commit-day">): Promise<CommitResult>;
  syncPurchases(payload: JobPayload<"sync-purchases">): Promise<PurchaseSyncOutcome>;
}

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

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Runs the plan in this process: shards of all days share one pool of `concurrency` slots; each
 * (platform, day) is committed as soon as its last shard is done, and only if every shard of it
 * succeeded (a failed day keeps what ClickHouse held before); a refused day is reported as refused.
 * Purchase syncs run last.
 */
export class InProcessExecutor implements Executor {
  constructor(
    private readonly runners: JobRunners,
    /** Shards processed at once. Default: WORKER_CONCURRENCY (the number of cores). */
    private readonly concurrency: number,
  ) {}

  async run(plan: BackfillPlan, events: ExecutorEvents = {}): Promise<BackfillOutcome> {
    const outcome: BackfillOutcome = { shards: [], commits: [], purchases: [], refused: [], failures: [] };
    const fail = (step: string, error: unknown) => {
      if (error instanceof DayRefusedError) {
        outcome.refused.push(error.refusal);
        events.onRefused?.(error.refusal);
        return;
      }
      const failure = { step, message: describe(error) };
      outcome.failures.push(failure);
      events.onFailure?.(failure);
    };
    const allowEmpty = plan.allowEmpty;
    const tasks: (() => Promise<void>)[] = [];
    for (const day of plan.days) {
      let remaining = day.shards.length;
      let failed = false;
      const commit = async () => {
        if (failed) return;
        try {
          const result = await this.runners.commitDay({
            platform: day.platform,
            day: day.day,
            files: day.files,
            allowEmpty,
          });
          outcome.commits.push(result);
          events.onCommit?.(result);
        } catch (error) {
          fail(`commit ${day.platform} ${day.day}`, error);
        }
      };
      if (remaining === 0) {
        // An empty or missing day folder still commits: refused when files were loaded for it,
        // emptied when the user allowed it.
        tasks.push(commit);
        continue;
      }
      for (const shard of day.shards) {
        tasks.push(async () => {
          try {
            outcome.shards.push(await this.runShard(shard, events));
          } catch (error) {
            failed = true;
            fail(
              `shard ${shard.platform} ${shard.day} (${plural(shard.files.length, "file")} from ${shard.files[0]?.key})`,
              error,
            );
          }
          remaining--;
          if (remaining === 0) await commit();
        });
      }
    }
    await runLimited(tasks, this.concurrency);
    for (const day of plan.purchaseDays) {
      try {
        outcome.purchases.push(await this.runners.syncPurchases({ day, allowEmpty }));
      } catch (error) {
        fail(`purchases ${day}`, error);
      }
    }
    return outcome;
  }

  private runShard(shard: JobPayload<"ingest-shard">, events: ExecutorEvents): Promise<ShardResult> {
    let last: ShardProgress = { files: 0, bytes: 0, views: 0 };
    return this.runners.ingestShard(shard, (progress) => {
      events.onShardProgress?.({
        files: progress.files - last.files,
        bytes: progress.bytes - last.bytes,
        views: progress.views - last.views,
      });
      last = progress;
    });
  }
}
