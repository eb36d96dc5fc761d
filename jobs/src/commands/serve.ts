import {
  createApp,
  createLogger,
  createMetrics,
  isStoreUnreachable,
  type RunningServer,
  startServer,
  toApiConfig,
} from "@ctr/query-api";
import { type Config, type JobSubmitter, type Logger, loadConfig, migrate, type Store } from "@ctr/schemas";
import { checkRedisReachable, openStore, recordServingApi } from "@ctr/workers";
import { type OptionValues, optionalString, UsageError } from "../command.ts";
import { startJobSystem } from "../run/job_system.ts";
import { untilStopped } from "../until_stopped.ts";

/** Builds the API on an open store and listens; the caller stops it with `close()`. */
export async function startApi(
  config: Config,
  store: Store,
  port = config.port,
  jobs?: JobSubmitter,
  logger: Logger = createLogger({ level: config.logLevel }),
): Promise<RunningServer> {
  const app = createApp({ store, config: toApiConfig(config), logger, metrics: createMetrics(), jobs });
  const running = await startServer(app, { port });
  logger.info({ port: running.port, store: store.kind, database: store.database }, "listening");
  return running;
}

/**
 * Serves until a signal, then drains open requests and closes the store. The API takes jobs
 * (POST /jobs/backfill): in this process without REDIS_URL, on the queue with it.
 */
export async function serveUntilStopped(config: Config, store: Store, port?: number): Promise<void> {
  const logger = createLogger({ level: config.logLevel });
  const jobs = await startJobSystem(config, store, (message, fields = {}) =>
    fields.err === undefined ? logger.info(fields, message) : logger.error(fields, message),
  );
  try {
    const running = await startApi(config, store, port, jobs.submitter, logger);
    // Another process refused the embedded store is told where to send its work instead.
    const forget =
      config.clickhouse.kind === "embedded"
        ? recordServingApi(config.clickhouse.path, { port: running.port, keyed: config.apiKeys.length > 0 })
        : () => undefined;
    try {
      const reason = await untilStopped();
      logger.info({ reason }, "stopping: finishing open requests");
      await running.close();
    } finally {
      forget();
    }
  } finally {
    await jobs.close();
  }
}

function portFlag(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65535) throw new UsageError(`--port wants 1..65535, got '${text}'`);
  return port;
}

/** `ctr serve`: flags and help in ./index.ts. */
export async function run(values: OptionValues): Promise<number> {
  const port = portFlag(optionalString(values, "port"));
  const config = loadConfig();
  // The job system waits for Redis forever (as workers do): without this check a wrong REDIS_URL
  // would keep the API from ever listening, silently.
  if (config.redisUrl) await checkRedisReachable(config.redisUrl);
  const store = openStore(config.clickhouse, createLogger({ level: config.logLevel }), config);
  try {
    try {
      await migrate(store);
    } catch (error) {
      if (!isStoreUnreachable(error)) throw error;
      const where = config.clickhouse.kind === "server" ? config.clickhouse.url : config.clickhouse.path;
      process.stderr.write(`ctr serve: ClickHouse at ${where} is unreachable; start it or fix CLICKHOUSE_URL\n`);
      return 1;
    }
    await serveUntilStopped(config, store, port);
    return 0;
  } finally {
    await store.close();
  }
}
