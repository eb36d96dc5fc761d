import { ConfigError, createLogger, loadConfig } from "@ctr/schemas";
import { openFolder } from "@ctr/workers";
import { dailyJobHandler } from "../daily/run_daily.ts";
import { checkRedisReachable } from "../queue/connection.ts";
import { WORKER_ID } from "../queue/processors.ts";
import { QUEUE_NAMES } from "../queue/queues.ts";
import { queuedShardRunner } from "../queue/shard_runner.ts";
import { type QueueConsumers, startQueueWorkers } from "../queue/worker_runtime.ts";
import { openStoreSide, queueConfigOf, runnersOf } from "../submission/backfill_session.ts";
import { untilStopped } from "../until_stopped.ts";

/** `ctr worker`: flags and help in ./index.ts. */
export async function run(): Promise<number> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, service: "ctr-worker" }).child({ worker: WORKER_ID });
  const log = (line: string) => logger.info(line);
  const queue = queueConfigOf(config);
  if (!queue) throw new ConfigError("REDIS_URL", "ctr worker needs a Redis URL like redis://host:6379");
  // The worker's own connections wait for Redis forever (they ride out an outage once running):
  // without this check a wrong or down REDIS_URL would leave it waiting silently at start.
  await checkRedisReachable(queue.redisUrl);
  const consumers: QueueConsumers = { shards: queuedShardRunner(config), backfill: true };
  const side = config.clickhouse.kind === "server" ? await openStoreSide(config) : undefined;
  if (side) {
    const source = openFolder(config.eventsSource, config.s3);
    consumers.store = { ...runnersOf(config, side, source), daily: dailyJobHandler(config, queue, side, source) };
  }
  const workers = await startQueueWorkers(queue, consumers, log);
  const names = [QUEUE_NAMES.shards, QUEUE_NAMES.backfill, ...(side ? [QUEUE_NAMES.store] : [])];
  log(`consuming ${names.join(", ")} (prefix ${config.queuePrefix}, ${config.workerConcurrency} shards at once)`);
  const signal = await untilStopped();
  log(`${signal}: finishing active jobs (at most ${config.workerShutdownTimeoutMs} ms)`);
  const how = await workers.close(config.workerShutdownTimeoutMs);
  await side?.close();
  log(how === "graceful" ? "stopped" : "stopped; unfinished jobs were released for another worker");
  if (how === "forced") {
    // The abandoned handlers still hold native threads and sockets; leave without waiting for them.
    process.exit(0);
  }
  return 0;
}
