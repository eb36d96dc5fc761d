import type { Config } from "@ctr/schemas";
import { type JobRunners, queueConfigOf } from "@ctr/workers";
import type { Executor } from "../backfill/executor.ts";
import { InProcessExecutor } from "../backfill/in_process_executor.ts";
import type { RunRange } from "../backfill/job_ids.ts";

/**
 * The executor the configuration asks for: a BullMQ flow with REDIS_URL (this process consumes the
 * store queue itself when ClickHouse is embedded: it owns chDB), else the in-process executor. Both
 * call the same handlers. The queued one loads BullMQ when it runs: an in-process run never does.
 */
export function chooseExecutor(
  config: Config,
  runners: JobRunners,
  range: RunRange,
  log: (line: string) => void,
): Executor {
  const queue = queueConfigOf(config);
  if (!queue) return new InProcessExecutor(runners, config.workerConcurrency);
  const storeRunners = config.clickhouse.kind === "embedded" ? runners : undefined;
  return {
    async run(plan, events) {
      const { BullMqExecutor } = await import("../queue/bullmq_executor.ts");
      return new BullMqExecutor(queue, range, { storeRunners, log }).run(plan, events);
    },
  };
}

/** Where a run's shards go, for the line it starts with: `4 at once`, or `on the queue (prefix ctr)`. */
export function describeExecution(config: Config): string {
  const queue = queueConfigOf(config);
  return queue ? `on the queue (prefix ${queue.queuePrefix})` : `${config.workerConcurrency} at once`;
}
