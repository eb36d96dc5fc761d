import type { Config } from "@ctr/schemas";
import { type JobRunners, type OrdersDatabase, queueConfigOf } from "@ctr/workers";
import type { Executor } from "../backfill/executor.ts";
import { InProcessExecutor } from "../backfill/in_process_executor.ts";
import type { RunRange } from "../backfill/job_ids.ts";

/**
 * The executor the configuration asks for: a BullMQ flow with REDIS_URL (this process consumes the
 * store queue itself when ClickHouse is embedded: it owns chDB), else the in-process executor. Both
 * call the same handlers. The queued one loads BullMQ when it runs: an in-process run never does;
 * its flow's id covers the state of the orders its syncs read, from `orders` (the run's open orders
 * database) or ORDERS_DATABASE_URL.
 */
export function chooseExecutor(
  config: Config,
  runners: JobRunners,
  range: RunRange,
  log: (line: string) => void,
  orders?: () => Promise<OrdersDatabase>,
): Executor {
  const queue = queueConfigOf(config);
  if (!queue) return new InProcessExecutor(runners, config.workerConcurrency);
  const storeRunners = config.clickhouse.kind === "embedded" ? runners : undefined;
  return {
    async run(plan, events) {
      const { BullMqExecutor } = await import("../queue/bullmq_executor.ts");
      const { readOrdersState } = await import("../queue/orders_state.ts");
      const ordersState = async (days: readonly string[]) => readOrdersState(config, days, await orders?.());
      return new BullMqExecutor(queue, range, { storeRunners, ordersState, log }).run(plan, events);
    },
  };
}

/** Where a run's shards go, for the line it starts with: `4 at once`, or `on the queue (prefix ctr)`. */
export function describeExecution(config: Config): string {
  const queue = queueConfigOf(config);
  return queue ? `on the queue (prefix ${queue.queuePrefix})` : `${config.workerConcurrency} at once`;
}
