// Shared by the distributed_*.test.ts files: s3rver as source and sink, generated data uploaded to
// it, real `ctr worker` child processes, a unique queue prefix per test file, ClickHouse totals.
import { type ChildProcess, spawn } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { type Config, loadConfig, migrate, queryRows, type Store } from "@ctr/schemas";
import {
  createS3Client,
  deleteQueueKeys as deleteKeysUnderPrefix,
  loadOrders,
  openOrdersDatabase,
  openStore,
} from "@ctr/workers";
import { z } from "zod";
import { type ChildOutput, followOutput } from "./child_output.ts";
import { testClickHouseEnv } from "./clickhouse_mode.ts";
import { REPO_ROOT, removeDir } from "./ingest_fixtures.ts";
import { s3rverConfig } from "./ingest_s3rver.ts";
import { isAvailable, serviceAddress } from "./services.ts";

/** The Redis the tests use (CTR_TEST_REDIS_URL, default the local one). */
export const REDIS_URL = serviceAddress("redis");
export const EVENTS_BUCKET = "ctr-events";
export const SINK_BUCKET = "ctr-sink";

/** A queue prefix no other test or run shares. */
export const uniquePrefix = (label: string) => `test-${label}-${process.pid}-${Date.now().toString(36)}`;

/**
 * The variables that put a process on the local Redis under `queuePrefix`, with short locks so that
 * a killed worker's job comes back within seconds.
 */
export const queueEnv = (queuePrefix: string): Record<string, string> => ({
  REDIS_URL,
  QUEUE_PREFIX: queuePrefix,
  WORKER_LOCK_DURATION_MS: "4000",
  WORKER_STALLED_INTERVAL_MS: "1000",
});

/**
 * The environment of a deployment on s3rver: source under `landing/`, sink under `sinkPrefix/`;
 * ClickHouse is embedded under `dataDir`, or the stand-in server in the server-mode run.
 */
export function deploymentEnv(options: {
  endpoint: string;
  dataDir: string;
  sinkPrefix: string;
  queuePrefix?: string;
}): Record<string, string> {
  const s3 = s3rverConfig(options.endpoint);
  return {
    CTR_DATA_DIR: options.dataDir,
    EVENTS_SOURCE: `s3://${EVENTS_BUCKET}/landing`,
    PARQUET_SINK: `s3://${SINK_BUCKET}/${options.sinkPrefix}`,
    S3_ENDPOINT: s3.endpoint,
    AWS_REGION: s3.region,
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    // One orders database for every process, as a deployment has: with ClickHouse as a server the
    // workers run the purchase syncs, each with its own CTR_DATA_DIR.
    ORDERS_DATABASE_URL: `sqlite://${path.join(options.dataDir, "orders.sqlite")}`,
    // Small shards so that one day spreads over several jobs; short locks so a killed worker's job
    // comes back within seconds.
    SHARD_MAX_BYTES: "60000",
    WORKER_CONCURRENCY: "1",
    WORKER_LOCK_DURATION_MS: "4000",
    WORKER_STALLED_INTERVAL_MS: "1000",
    WORKER_SHUTDOWN_TIMEOUT_MS: "5000",
    ENGINE_MEMORY_LIMIT_MB: "256",
    ...(options.queuePrefix ? { REDIS_URL, QUEUE_PREFIX: options.queuePrefix } : {}),
    ...testClickHouseEnv(path.join(options.dataDir, "clickhouse")),
  };
}

/** The configuration the test process runs with, from such an environment. */
export const configOf = (env: Record<string, string>): Config => loadConfig(env);

/** Uploads every file under `root` to the events bucket under `landing/`. */
export async function uploadTree(endpoint: string, root: string): Promise<void> {
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.match(/\.(json|ndjson|jsonl)(\.gz)?$/)) continue;
    const file = path.join(entry.parentPath, entry.name);
    await uploadObject(endpoint, path.relative(root, file).split(path.sep).join("/"), await readFile(file));
  }
}

/** Puts one object into the events bucket, `key` relative to `landing/`. */
export async function uploadObject(endpoint: string, key: string, body: Buffer | string): Promise<void> {
  const client = createS3Client(s3rverConfig(endpoint));
  await client.send(new PutObjectCommand({ Bucket: EVENTS_BUCKET, Key: `landing/${key}`, Body: body }));
}

/** A running `ctr worker` child process and what it printed. */
export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  output: () => string;
  /** Resolves once the worker printed `pattern` (see followOutput). */
  until: ChildOutput["until"];
  /** Resolves with the exit code or signal once it ended. */
  exited: Promise<number | NodeJS.Signals | null>;
}

/** Spawns `node jobs/bin/ctr.js worker` and waits (at most 60 s) until it consumes its queues. */
export async function startWorker(env: Record<string, string>): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ["jobs/bin/ctr.js", "worker"], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = followOutput(child);
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    child.on("exit", (code, signal) => resolve(signal ?? code)),
  );
  await output.until("consuming", "the worker did not start");
  return { child, pid: child.pid ?? -1, output: output.text, until: output.until, exited };
}

/** Stops a worker with SIGTERM (it shuts down gracefully) and waits for it; SIGKILL after 20 s. */
export async function stopWorker(worker: WorkerProcess): Promise<number | NodeJS.Signals | null> {
  if (worker.child.exitCode !== null || worker.child.signalCode !== null) return worker.exited;
  worker.child.kill("SIGTERM");
  const timer = setTimeout(() => worker.child.kill("SIGKILL"), 20_000);
  const result = await worker.exited;
  clearTimeout(timer);
  return result;
}

/** Deletes every key of a queue prefix (cleanup after a test file); nothing to do without Redis. */
export const deleteQueueKeys = async (prefix: string): Promise<void> => {
  if (isAvailable("redis")) await deleteKeysUnderPrefix(REDIS_URL, prefix);
};

const TotalsSchema = z.object({ key: z.string(), rows: z.coerce.number(), total: z.coerce.number() });

/**
 * What ClickHouse holds, per partition: rows and views per (day, platform), rows and purchases per
 * day, files per (day, platform) in the manifest. Two runs are the same when these are equal.
 */
export async function clickhouseTotals(store: Store): Promise<Record<string, { rows: number; total: number }>> {
  const rows = await queryRows(store.client, {
    name: "test_totals",
    query: `SELECT concat('views ', toString(day), ' ', platform) AS key, count() AS rows, sum(views) AS total
              FROM product_views_per_minute_v1 GROUP BY day, platform
            UNION ALL
            SELECT concat('purchases ', toString(day)) AS key, count() AS rows, sum(purchases) AS total
              FROM purchases_per_minute_v1 GROUP BY day
            UNION ALL
            SELECT concat('files ', toString(day), ' ', platform) AS key, count() AS rows, sum(views) AS total
              FROM ingested_files_v1 GROUP BY day, platform`,
    schema: TotalsSchema,
  });
  return Object.fromEntries(
    rows.sort((a, b) => (a.key < b.key ? -1 : 1)).map((r) => [r.key, { rows: r.rows, total: r.total }]),
  );
}

/**
 * Loads generated orders (`ctr generate`'s report.orders) into the configured orders database and
 * opens the configured ClickHouse store, migrated: the common start of a distributed test.
 */
export async function loadOrdersAndOpenStore(
  config: Config,
  orders: { ordersFile: string; itemsFile: string },
): Promise<Store> {
  const database = await openOrdersDatabase(config.ordersDatabaseUrl);
  await loadOrders(database, { orders: orders.ordersFile, items: orders.itemsFile });
  await database.close();
  const store = openStore(config.clickhouse);
  await migrate(store);
  return store;
}

/** The end of a distributed test file: stops its worker, closes its store, deletes its queue keys and folder. */
export async function cleanUpDistributedTest(test: {
  worker?: WorkerProcess;
  store?: Store;
  queuePrefix: string;
  dir?: string;
}): Promise<void> {
  if (test.worker) await stopWorker(test.worker);
  await test.store?.close();
  await deleteQueueKeys(test.queuePrefix);
  if (test.dir) await removeDir(test.dir);
}
