import { ConfigError, createLogger, loadConfig } from "@ctr/schemas";
import { queueConfigOf, runWorker, WORKER_ID } from "@ctr/workers";
import { dailyJobHandler } from "../queue/store_queue.ts";
import { untilStopped } from "../until_stopped.ts";

/** `ctr worker`: flags and help in ./index.ts; the process itself is @ctr/workers' runWorker. */
export async function run(): Promise<number> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, service: "ctr-worker" }).child({ worker: WORKER_ID });
  const queue = queueConfigOf(config);
  if (!queue) throw new ConfigError("REDIS_URL", "ctr worker needs a Redis URL like redis://host:6379");
  const how = await runWorker(config, queue, {
    log: (line) => logger.info(line),
    stopped: untilStopped(),
    // A worker that reaches ClickHouse also plans the scheduled daily runs: the planner is the coordinator's.
    daily: (side, source) => dailyJobHandler(config, queue, side, source),
  });
  if (how === "forced") {
    // The abandoned handlers still hold native threads and sockets; leave without waiting for them.
    process.exit(0);
  }
  return 0;
}
