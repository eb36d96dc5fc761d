import { type Config, migrate, openStore, type Store } from "@ctr/schemas";
import { type Folder, type OrdersDatabase, openFolder, openOrdersDatabase } from "@ctr/workers";
import type { Executor, JobRunners } from "../backfill/executor.ts";
import { inProcessRunners } from "../backfill/in_process_runners.ts";
import type { BackfillPlan } from "../backfill/plan.ts";
import { dayProgressEvents, type ProgressOutput, ProgressReporter } from "../backfill/progress.ts";
import { type BackfillSummary, summarize } from "../backfill/summary.ts";
import { plannedTotals } from "../queue/backfill_flow.ts";
import type { QueueConfig } from "../queue/worker_runtime.ts";

/** The queue settings of the configuration, or undefined when REDIS_URL is unset (jobs run in-process). */
export function queueConfigOf(config: Config): QueueConfig | undefined {
  return config.redisUrl ? { ...config, redisUrl: config.redisUrl } : undefined;
}

/** What running a plan's store steps needs: ClickHouse, the sink, the orders database. */
export interface StoreSide {
  store: Store;
  sink: Folder;
  orders: OrdersDatabase;
}

/** Opens (and migrates) the store side; `store` may be one the caller already holds (`ctr serve`). */
export async function openStoreSide(config: Config, store?: Store): Promise<StoreSide & { close(): Promise<void> }> {
  const owned = store === undefined;
  const opened = store ?? openStore(config.clickhouse);
  const orders = await openOrdersDatabase(config.ordersDatabaseUrl);
  try {
    await migrate(opened);
  } catch (error) {
    await orders.close();
    if (owned) await opened.close();
    throw error;
  }
  return {
    store: opened,
    sink: openFolder(config.parquetSink, config.s3),
    orders,
    async close() {
      await orders.close();
      if (owned) await opened.close();
    },
  };
}

/** The handlers of this process, bound to its store side and to `source`. */
export function runnersOf(config: Config, side: StoreSide, source: Folder): JobRunners {
  return inProcessRunners({ config, ...side, source, concurrency: config.workerConcurrency });
}

/** Runs a plan with an executor, showing progress on `output`, and adds up its summary. */
export async function executePlan(
  executor: Executor,
  plan: BackfillPlan,
  output: ProgressOutput,
  onProgress?: (done: { files: number; bytes: number; views: number }) => void,
): Promise<BackfillSummary> {
  const reporter = new ProgressReporter({ ...plannedTotals(plan), days: plan.days.length }, output);
  const done = { files: 0, bytes: 0, views: 0 };
  const outcome = await executor.run(plan, {
    ...dayProgressEvents(reporter),
    onShardProgress: (delta) => {
      reporter.add(delta);
      done.files += delta.files;
      done.bytes += delta.bytes;
      done.views += delta.views;
      onProgress?.({ ...done });
    },
  });
  reporter.finish();
  return summarize(plan, outcome);
}
