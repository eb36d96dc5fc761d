// `ctr worker` as an operator sees it: it warns when Redis may evict keys, rides out a Redis restart
// (ioredis reconnects; the worker takes jobs again), and stops gracefully on SIGTERM.
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { chooseExecutor, planBackfill } from "@ctr/jobs";
import { loadConfig, migrate, PLATFORMS, type Store } from "@ctr/schemas";
import { openFolder, openStore, openStoreSide, type QueuedShardResult, runnersOf } from "@ctr/workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { followOutput } from "./support/child_output.ts";
import {
  EVENTS_BUCKET,
  startWorker,
  stopWorker,
  uploadObject,
  type WorkerProcess,
} from "./support/distributed_support.ts";
import { freePort } from "./support/free_port.ts";
import { oneViewNdjson, removeDir, tempDir, writeFiles } from "./support/ingest_fixtures.ts";
import { s3rverConfig, startS3rver } from "./support/ingest_s3rver.ts";
import { startS3Proxy } from "./support/s3_proxy.ts";
import { needs, serviceAddress } from "./support/services.ts";

const DAY = "2016-02-01";
let dir: string;
let port: number;
let redis: ChildProcess | undefined;
let store: Store;
let worker: WorkerProcess | undefined;

/** A private redis-server on `port`, without persistence, with the given eviction policy. */
async function startRedis(policy: string): Promise<ChildProcess> {
  const child = spawn(
    serviceAddress("redisServer"),
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--maxmemory-policy", policy],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  await followOutput(child).until("Ready to accept connections", "redis-server did not start", { timeoutMs: 20_000 });
  return child;
}

async function stopRedis(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.on("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}

beforeAll(async () => {
  dir = await tempDir("worker");
  port = await freePort();
  await writeFiles(path.join(dir, "raw"), {
    [`iOS/${DAY}/a.ndjson`]: oneViewNdjson(DAY, "A"),
    [`Android/${DAY}/b.ndjson`]: oneViewNdjson(DAY, "B"),
  });
  store = openStore({ kind: "embedded", path: path.join(dir, "data", "clickhouse"), database: "default" });
  await migrate(store);
});

afterAll(async () => {
  if (worker) await stopWorker(worker);
  await stopRedis(redis);
  await store?.close();
  await removeDir(dir);
});

describe("ctr worker", needs("redisServer"), () => {
  it("warns about eviction, survives a Redis restart, and stops gracefully on SIGTERM", async () => {
    redis = await startRedis("allkeys-lru");
    const env = {
      CTR_DATA_DIR: path.join(dir, "data"),
      EVENTS_SOURCE: path.join(dir, "raw"),
      // Shared by the worker and the coordinator (their CTR_DATA_DIRs differ).
      PARQUET_SINK: path.join(dir, "parquet"),
      REDIS_URL: `redis://127.0.0.1:${port}`,
      QUEUE_PREFIX: "reconnect",
      WORKER_CONCURRENCY: "1",
      WORKER_LOCK_DURATION_MS: "4000",
      WORKER_STALLED_INTERVAL_MS: "1000",
      WORKER_SHUTDOWN_TIMEOUT_MS: "5000",
    };
    worker = await startWorker({ ...env, CTR_DATA_DIR: path.join(dir, "worker") });
    expect(worker.output()).toContain("maxmemory-policy is allkeys-lru");

    // Redis goes away and comes back (empty: it kept nothing on disk). Meanwhile the worker says so
    // once per reconnect attempt (not once per connection or per queue), and again when it is back.
    await stopRedis(redis);
    await worker.until(/reconnect attempt 3 /, "no reconnect attempts logged", { timeoutMs: 20_000 });
    expect(worker.child.exitCode).toBeNull();
    redis = await startRedis("noeviction");
    await worker.until("Redis connection back after", "the reconnection was not logged", { timeoutMs: 20_000 });
    const attempts = [...worker.output().matchAll(/reconnect attempt (\d+) in \d+ ms/g)].map((m) => Number(m[1]));
    expect(attempts).toEqual(attempts.map((_, i) => i + 1));
    expect(worker.output()).toMatch(
      /Redis connection lost \(connect ECONNREFUSED 127\.0\.0\.1:\d+\); reconnect attempt 2 in 400 ms/,
    );
    expect(worker.output()).toContain(`Redis connection back after ${attempts.length} reconnect attempts`);
    // The workers' own connection errors are not repeated on top of those lines.
    expect(worker.output().match(/ECONNREFUSED/g)?.length).toBe(attempts.length - 1);

    const config = loadConfig(env);
    const request = { from: DAY, to: DAY, platforms: [...PLATFORMS] };
    const source = openFolder(config.eventsSource, config.s3);
    const plan = await planBackfill(source, { ...request, shardMaxBytes: config.shardMaxBytes });
    const side = await openStoreSide(config, store);
    try {
      const outcome = await chooseExecutor(config, runnersOf(config, side, source), request, () => {}).run(plan);
      expect(outcome.failures).toEqual([]);
      expect(outcome.commits.reduce((n, c) => n + c.views, 0)).toBe(2);
      expect(new Set((outcome.shards as QueuedShardResult[]).map((s) => s.worker.split(":")[1]))).toEqual(
        new Set([String(worker.pid)]),
      );
    } finally {
      await side.close();
    }

    expect(await stopWorker(worker)).toBe(0);
    expect(worker.output()).toMatch(/SIGTERM: finishing active jobs[\s\S]*stopped/);
  });

  it("on SIGTERM past WORKER_SHUTDOWN_TIMEOUT_MS releases its shard, which another worker completes", async () => {
    // The shard's file is read from S3 through a proxy that holds the read: the first worker is in the
    // middle of the shard when it is asked to stop, however fast the machine. 250,000 one-view lines.
    const s3 = await startS3rver(dir, [EVENTS_BUCKET]);
    await uploadObject(s3.endpoint, `iOS/${DAY}/big.ndjson`, oneViewNdjson(DAY, "BIG").repeat(250_000));
    const proxy = await startS3Proxy(s3.endpoint, { hold: [`/iOS/${DAY}/big.ndjson`] });
    const s3Config = s3rverConfig(proxy.endpoint);
    const env = {
      CTR_DATA_DIR: path.join(dir, "data"),
      EVENTS_SOURCE: `s3://${EVENTS_BUCKET}/landing`,
      S3_ENDPOINT: s3Config.endpoint,
      AWS_REGION: s3Config.region,
      AWS_ACCESS_KEY_ID: s3Config.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3Config.secretAccessKey,
      PARQUET_SINK: path.join(dir, "parquet"),
      REDIS_URL: `redis://127.0.0.1:${port}`,
      QUEUE_PREFIX: "release",
      WORKER_CONCURRENCY: "1",
      WORKER_LOCK_DURATION_MS: "3000",
      WORKER_STALLED_INTERVAL_MS: "1000",
      WORKER_SHUTDOWN_TIMEOUT_MS: "100",
    };
    const first = await startWorker({ ...env, CTR_DATA_DIR: path.join(dir, "worker-1") });
    worker = first;
    const config = loadConfig(env);
    // Another source for a day loaded above: its files are not this one's, which is refused unless allowed.
    const request = { from: DAY, to: DAY, platforms: ["iOS" as const], allowEmpty: true };
    const source = openFolder(config.eventsSource, config.s3);
    const plan = await planBackfill(source, { ...request, shardMaxBytes: config.shardMaxBytes });
    const side = await openStoreSide(config, store);
    try {
      const running = chooseExecutor(config, runnersOf(config, side, source), request, () => {}).run(plan);
      await proxy.held(`/iOS/${DAY}/big.ndjson`);
      first.child.kill("SIGTERM");
      expect(await first.exited).toBe(0);
      expect(first.output()).toContain("unfinished jobs were released");
      proxy.release();
      worker = await startWorker({ ...env, CTR_DATA_DIR: path.join(dir, "worker-2") });
      const outcome = await running;
      expect(outcome.failures).toEqual([]);
      expect(outcome.commits.map((c) => c.views)).toEqual([250_000]);
      expect((outcome.shards as QueuedShardResult[]).map((s) => s.worker)).toEqual([
        expect.stringMatching(`:${worker.pid}$`),
      ]);
    } finally {
      await side.close();
      await proxy.close();
      await s3.close();
    }
  });
});
