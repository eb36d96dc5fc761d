// The daily incremental run: only new or changed files are read again (judged against the manifest's
// size and etag), in-process and over BullMQ with a real `ctr worker`; its cron form is a job scheduler.
import path from "node:path";
import {
  DAILY_SCHEDULER_ID,
  generate,
  planDaily,
  runBackfill,
  runDaily,
  scheduleDaily,
  startJobSystem,
  waitForOutcome,
} from "@ctr/jobs";
import { type Config, getIngestedFiles, loadConfig, type Store } from "@ctr/schemas";
import { jobOptions, openFolder, QUEUE_NAMES, queueConfigOf } from "@ctr/workers";
import { Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cleanUpDistributedTest,
  clickhouseTotals,
  loadOrdersAndOpenStore,
  queueEnv,
  REDIS_URL,
  startWorker,
  uniquePrefix,
  type WorkerProcess,
} from "./support/distributed_support.ts";
import { oneViewNdjson, tempDir, writeFiles } from "./support/ingest_fixtures.ts";
import { needs } from "./support/services.ts";

const DAY = "2016-02-01";
const QUIET = { write: () => true };
const prefix = uniquePrefix("daily");
let dir: string;
let store: Store;
let worker: WorkerProcess | undefined;

function environment(extra: Record<string, string> = {}): Config {
  return loadConfig({
    CTR_DATA_DIR: path.join(dir, "data"),
    EVENTS_SOURCE: path.join(dir, "raw"),
    SHARD_MAX_BYTES: "60000",
    WORKER_CONCURRENCY: "2",
    WORKER_SHUTDOWN_TIMEOUT_MS: "5000",
    ...extra,
  });
}

const viewsOf = (totals: Awaited<ReturnType<typeof clickhouseTotals>>, platform: string) =>
  totals[`views ${DAY} ${platform}`]?.total ?? 0;

beforeAll(async () => {
  dir = await tempDir("daily");
  const report = await generate({ from: DAY, to: DAY, scale: 0.01, outDir: path.join(dir, "raw"), seed: "daily" });
  const config = environment();
  store = await loadOrdersAndOpenStore(config, report.orders);
  const summary = await runBackfill(config, { from: DAY, to: DAY, platforms: ["iOS", "Android", "MobileWeb"] }, QUIET);
  expect(summary.failures).toEqual([]);
}, 120_000);

afterAll(() => cleanUpDistributedTest({ worker, store, queuePrefix: prefix, dir }));

describe("ctr daily", () => {
  it("in-process: picks up exactly the one new file, and nothing else", async () => {
    const config = environment();
    const source = openFolder(config.eventsSource, config.s3);
    const nothingNew = await planDaily(source, store, { date: DAY, shardMaxBytes: config.shardMaxBytes });
    expect(nothingNew.days.flatMap((d) => d.shards)).toEqual([]);

    const before = await clickhouseTotals(store);
    const loadedBefore = await getIngestedFiles(store.client, { from: DAY, to: DAY });
    await writeFiles(path.join(dir, "raw"), { [`Android/${DAY}/late-1.ndjson`]: oneViewNdjson(DAY, "LATE1") });
    const plan = await planDaily(source, store, { date: DAY, shardMaxBytes: config.shardMaxBytes });
    expect(plan.days.flatMap((d) => d.shards.flatMap((s) => s.files.map((f) => f.key)))).toEqual([
      `Android/${DAY}/late-1.ndjson`,
    ]);

    const summary = await runDaily(config, DAY, QUIET);
    expect(summary.failures).toEqual([]);
    expect(summary.files).toBe(1);
    expect(summary.views).toBe(1);
    const after = await clickhouseTotals(store);
    expect(viewsOf(after, "Android")).toBe(viewsOf(before, "Android") + 1);
    expect(viewsOf(after, "iOS")).toBe(viewsOf(before, "iOS"));
    const loadedAfter = await getIngestedFiles(store.client, { from: DAY, to: DAY });
    expect(loadedAfter.map((f) => f.file).sort()).toEqual(
      [...loadedBefore.map((f) => f.file), `Android/${DAY}/late-1.ndjson`].sort(),
    );
  });

  it("over BullMQ: a late file lands through a worker without re-reading the others", needs("redis"), async () => {
    const config = environment(queueEnv(prefix));
    worker = await startWorker({
      CTR_DATA_DIR: path.join(dir, "worker"),
      EVENTS_SOURCE: path.join(dir, "raw"),
      PARQUET_SINK: config.parquetSink.kind === "local" ? config.parquetSink.dir : "",
      REDIS_URL,
      QUEUE_PREFIX: prefix,
      WORKER_CONCURRENCY: "1",
    });
    const before = await clickhouseTotals(store);
    await writeFiles(path.join(dir, "raw"), { [`iOS/${DAY}/late-2.ndjson`]: oneViewNdjson(DAY, "LATE2") });
    const summary = await runDaily(config, DAY, QUIET);
    expect(summary.failures).toEqual([]);
    expect(summary.files).toBe(1);
    expect(summary.malformedLocations).toEqual([]);
    const after = await clickhouseTotals(store);
    expect(viewsOf(after, "iOS")).toBe(viewsOf(before, "iOS") + 1);
    expect(viewsOf(after, "Android")).toBe(viewsOf(before, "Android"));
    expect(worker.output()).not.toContain("failed");
  });

  it(
    "a scheduled `daily` job, run by the process owning ClickHouse, submits the day's flow",
    needs("redis"),
    async () => {
      const config = environment(queueEnv(prefix));
      const queueConfig = queueConfigOf(config);
      if (!queueConfig) throw new Error("REDIS_URL wanted");
      await writeFiles(path.join(dir, "raw"), { [`MobileWeb/${DAY}/late-3.ndjson`]: oneViewNdjson(DAY, "LATE3") });
      const system = await startJobSystem(config, store, () => {});
      const redis = new Redis(REDIS_URL);
      const queue = new Queue(QUEUE_NAMES.store, { connection: redis, prefix });
      const events = new QueueEvents(QUEUE_NAMES.store, { connection: { url: REDIS_URL }, prefix });
      try {
        const job = await queue.add("daily", { date: DAY }, jobOptions("daily"));
        const submitted: { id: string; files: number } = await job.waitUntilFinished(events, 60_000);
        expect(submitted?.files).toBe(1);
        const outcome = await waitForOutcome(queueConfig, submitted?.id ?? "");
        expect(outcome.failures).toEqual([]);
        expect(outcome.shards.flatMap((s) => s.files.map((f) => f.file))).toEqual([`MobileWeb/${DAY}/late-3.ndjson`]);
      } finally {
        await events.close();
        await queue.close();
        redis.disconnect();
        await system.close();
      }
    },
  );

  it("its cron form is a BullMQ job scheduler on the store queue", needs("redis"), async () => {
    const queueConfig = queueConfigOf(environment({ REDIS_URL, QUEUE_PREFIX: prefix }));
    if (!queueConfig) throw new Error("REDIS_URL wanted");
    await scheduleDaily(queueConfig, "30 2 * * *");
    const redis = new Redis(REDIS_URL);
    const queue = new Queue(QUEUE_NAMES.store, { connection: redis, prefix });
    try {
      const scheduler = await queue.getJobScheduler(DAILY_SCHEDULER_ID);
      expect(scheduler).toMatchObject({ pattern: "30 2 * * *", tz: "UTC", name: "daily" });
      await scheduleDaily(queueConfig, undefined);
      expect(await queue.getJobScheduler(DAILY_SCHEDULER_ID)).toBeUndefined();
    } finally {
      await queue.close();
      redis.disconnect();
    }
  });
});
