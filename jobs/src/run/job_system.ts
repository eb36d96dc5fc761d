import type { Config, JobSubmitter, Store } from "@ctr/schemas";
import { openFolder, openStoreSide, type QueueWorkers, queueConfigOf } from "@ctr/workers";
import { InProcessSubmitter, type JobLog } from "./in_process_submitter.ts";

/** The job system of `ctr serve`: what the API submits to, and what the process must stop on exit. */
export interface JobSystem {
  submitter: JobSubmitter;
  close(): Promise<void>;
}

/**
 * Builds `ctr serve`'s job system on the store it holds:
 * - no REDIS_URL: the in-process submitter (the server runs backfills itself);
 * - REDIS_URL: the BullMQ submitter; with embedded ClickHouse the server also consumes the store
 *   queue (commits, purchase syncs, the daily schedule) and the flow parents, since it owns chDB.
 */
export async function startJobSystem(config: Config, store: Store, log: JobLog): Promise<JobSystem> {
  const queue = queueConfigOf(config);
  if (!queue) {
    const submitter = new InProcessSubmitter(config, store, log);
    return { submitter, close: () => submitter.idle() };
  }
  // BullMQ and Redis are loaded only here, on the queued path.
  const { consumeStoreQueue } = await import("../queue/store_queue.ts");
  const { BullMqSubmitter } = await import("../queue/bullmq_submitter.ts");
  let workers: QueueWorkers | undefined;
  let side: Awaited<ReturnType<typeof openStoreSide>> | undefined;
  if (config.clickhouse.kind === "embedded") {
    side = await openStoreSide(config, store);
    const source = openFolder(config.eventsSource, config.s3);
    workers = await consumeStoreQueue(config, queue, side, source, (line) => log(line));
  }
  const submitter = new BullMqSubmitter(config, queue);
  return {
    submitter,
    async close() {
      await submitter.close();
      await workers?.close(config.workerShutdownTimeoutMs);
      await side?.close();
    },
  };
}
