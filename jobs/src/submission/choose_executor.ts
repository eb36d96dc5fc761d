import type { Config, Platform } from "@ctr/schemas";
import { type Executor, InProcessExecutor, type JobRunners } from "../backfill/executor.ts";
import { BullMqExecutor } from "../queue/bullmq_executor.ts";
import { queueConfigOf } from "./backfill_session.ts";

// Apart from backfill_session.ts so that the in-process paths (ctr serve's submitter) never load BullMQ.

/**
 * The executor the configuration asks for: a BullMQ flow with REDIS_URL (this process consumes the
 * store queue itself when ClickHouse is embedded: it owns chDB), else the in-process executor. Both
 * call the same handlers.
 */
export function chooseExecutor(
  config: Config,
  runners: JobRunners,
  request: { from: string; to: string; platforms: readonly Platform[] },
  log: (line: string) => void,
): Executor {
  const queue = queueConfigOf(config);
  if (!queue) return new InProcessExecutor(runners, config.workerConcurrency);
  const storeRunners = config.clickhouse.kind === "embedded" ? runners : undefined;
  return new BullMqExecutor(queue, request, { storeRunners, log });
}
