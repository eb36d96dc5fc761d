// Acceptance of the distributed mode: real Redis, real `ctr worker` processes, s3rver as source and
// sink. The test process is the coordinator: it owns the embedded ClickHouse (chDB), so it runs the
// commits and purchase syncs from the store queue, as `ctr backfill` does.
import path from "node:path";
import { gzipSync } from "node:zlib";
import { type BackfillRequest, chooseExecutor, generate, planBackfill, runBackfill } from "@ctr/jobs";
import { type Config, PLATFORMS, type Store } from "@ctr/schemas";
import {
  type BackfillOutcome,
  listAll,
  openFolder,
  openStoreSide,
  QUEUE_NAMES,
  type QueuedShardResult,
  runnersOf,
} from "@ctr/workers";
import { Job, Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { truncateTables } from "./support/api_server.ts";
import {
  clickhouseTotals,
  configOf,
  deleteQueueKeys,
  deploymentEnv,
  EVENTS_BUCKET,
  loadOrdersAndOpenStore,
  REDIS_URL,
  startWorker,
  stopWorker,
  uniquePrefix,
  uploadObject,
  uploadTree,
  type WorkerProcess,
} from "./support/distributed_support.ts";
import { oneViewNdjson, removeDir, tempDir } from "./support/ingest_fixtures.ts";
import { startS3rver } from "./support/ingest_s3rver.ts";
import { needs } from "./support/services.ts";

const DAY = "2016-02-01";
const POISON_DAY = "2016-02-02";
const REQUEST = { from: DAY, to: DAY, platforms: [...PLATFORMS] };
const QUIET = { write: () => true };

let dir: string;
let s3: Awaited<ReturnType<typeof startS3rver>>;
let store: Store;
let expectedViews: number;
let inProcessTotals: Awaited<ReturnType<typeof clickhouseTotals>>;
const prefixes: string[] = [];
const workers: WorkerProcess[] = [];

/** A distributed deployment on its own queue prefix and sink prefix, with its config. */
function deployment(label: string): { env: Record<string, string>; config: Config } {
  const queuePrefix = uniquePrefix(label);
  prefixes.push(queuePrefix);
  const env = deploymentEnv({ endpoint: s3.endpoint, dataDir: path.join(dir, "data"), sinkPrefix: label, queuePrefix });
  return { env, config: configOf(env) };
}

async function startWorkers(env: Record<string, string>, count: number): Promise<WorkerProcess[]> {
  const started = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      startWorker({ ...env, CTR_DATA_DIR: path.join(dir, `worker-${workers.length + i}`) }),
    ),
  );
  workers.push(...started);
  return started;
}

/** Runs a backfill as the coordinator does: plan, then the executor the configuration picks. */
async function coordinate(
  config: Config,
  request: typeof REQUEST | (BackfillRequest & { allowEmpty?: boolean }) = REQUEST,
): Promise<BackfillOutcome> {
  const source = openFolder(config.eventsSource, config.s3);
  const plan = await planBackfill(source, { ...request, shardMaxBytes: config.shardMaxBytes });
  const side = await openStoreSide(config, store);
  try {
    return await chooseExecutor(config, runnersOf(config, side, source), request, () => {}).run(plan);
  } finally {
    await side.close();
  }
}

const workersOf = (outcome: BackfillOutcome) =>
  new Set((outcome.shards as QueuedShardResult[]).map((s) => s.worker.split(":")[1]));

beforeAll(async () => {
  dir = await tempDir("distributed");
  s3 = await startS3rver(dir, ["ctr-events", "ctr-sink"]);
  const report = await generate({
    from: DAY,
    to: DAY,
    scale: 0.02,
    outDir: path.join(dir, "raw"),
    seed: "distributed",
  });
  expectedViews = report.platformDays.reduce((n, d) => n + d.views, 0);
  await uploadTree(s3.endpoint, path.join(dir, "raw"));
  const base = configOf(
    deploymentEnv({ endpoint: s3.endpoint, dataDir: path.join(dir, "data"), sinkPrefix: "inproc" }),
  );
  store = await loadOrdersAndOpenStore(base, report.orders);
  // The reference: the same backfill in-process, its ClickHouse totals.
  const summary = await runBackfill(base, REQUEST, QUIET);
  expect(summary.failures).toEqual([]);
  inProcessTotals = await clickhouseTotals(store);
}, 180_000);

afterAll(async () => {
  await Promise.all(workers.map(stopWorker));
  await store?.close();
  await s3?.close();
  for (const prefix of prefixes) await deleteQueueKeys(prefix);
  await removeDir(dir);
});

describe("a backfill over BullMQ", needs("redis"), () => {
  it("run by 2 worker processes gives the in-process totals, and both workers took shards", async () => {
    expect(inProcessTotals[`views ${DAY} iOS`]?.total).toBeGreaterThan(0);
    expect(
      Object.entries(inProcessTotals)
        .filter(([k]) => k.startsWith("views"))
        .reduce((n, [, v]) => n + v.total, 0),
    ).toBe(expectedViews);
    const { env, config } = deployment("two");
    await startWorkers(env, 2);
    await truncateTables(store);
    const outcome = await coordinate(config);
    expect(outcome.failures).toEqual([]);
    expect(await clickhouseTotals(store)).toEqual(inProcessTotals);
    expect(outcome.shards.length).toBeGreaterThan(3);
    expect(workersOf(outcome)).toEqual(new Set(workers.slice(0, 2).map((w) => String(w.pid))));

    // Resubmitting the same backfill: the same id, no new shard jobs, the same totals.
    const redis = new Redis(REDIS_URL);
    const shards = new Queue(QUEUE_NAMES.shards, { connection: redis, prefix: config.queuePrefix });
    const before = await shards.getJobCounts();
    const again = await coordinate(config);
    expect(again.failures).toEqual([]);
    expect(await shards.getJobCounts()).toEqual(before);
    expect(await clickhouseTotals(store)).toEqual(inProcessTotals);
    await shards.close();
    redis.disconnect();
    await Promise.all(workers.splice(0, 2).map(stopWorker));
  });

  it("retries the shard of a worker killed in the middle of it, and the totals still match", async () => {
    const { env, config } = deployment("kill");
    const [first, second] = await startWorkers(env, 2);
    if (!first || !second) throw new Error("two workers wanted");
    await truncateTables(store);
    const redis = new Redis(REDIS_URL);
    const shards = new Queue(QUEUE_NAMES.shards, { connection: redis, prefix: config.queuePrefix });
    // The queue says when a job goes active, and which worker took it (processedBy).
    const events = new QueueEvents(QUEUE_NAMES.shards, { connection: { url: REDIS_URL }, prefix: config.queuePrefix });
    await events.waitUntilReady();
    const taken = new Promise<string>((resolve) => {
      events.on("active", async ({ jobId }) => {
        const job = await Job.fromId(shards, jobId);
        if (job?.processedBy?.endsWith(`:${first.pid}`)) resolve(jobId);
      });
    });
    const running = coordinate(config);
    const victim = await taken;
    await events.close();
    first.child.kill("SIGKILL");
    expect(await first.exited).toBe("SIGKILL");
    const outcome = await running;
    expect(outcome.failures).toEqual([]);
    expect(await clickhouseTotals(store)).toEqual(inProcessTotals);
    const retried = await Job.fromId(shards, victim);
    if (!retried) throw new Error(`shard ${victim} is gone`);
    expect(await retried.getState()).toBe("completed");
    expect((retried.returnvalue as QueuedShardResult).worker).toMatch(new RegExp(`:${second.pid}$`));
    await shards.close();
    redis.disconnect();
  });

  it("records a poison file as failed, commits the rest of its day as partial, and completes the other days", async () => {
    const { env, config } = deployment("poison");
    await startWorkers(env, 1);
    const poison = gzipSync('[{"events":[]}]').subarray(0, 12);
    await uploadObject(s3.endpoint, `iOS/${POISON_DAY}/part-9999.json.gz`, poison);
    await uploadObject(s3.endpoint, `iOS/${POISON_DAY}/good.ndjson`, oneViewNdjson(POISON_DAY, "P2"));
    await uploadObject(s3.endpoint, `Android/${POISON_DAY}/good.ndjson`, oneViewNdjson(POISON_DAY, "P1"));
    const outcome = await coordinate(config, { from: POISON_DAY, to: POISON_DAY, platforms: ["iOS", "Android"] });
    expect(outcome.failures).toEqual([]);
    expect(outcome.commits.map((c) => [c.platform, c.views, c.failedFiles.map((f) => f.file)])).toEqual([
      ["Android", 1, []],
      ["iOS", 1, [`iOS/${POISON_DAY}/part-9999.json.gz`]],
    ]);
    expect(outcome.commits[1]?.failedFiles[0]?.reason).toMatch(/gzip|end of file/i);
    const totals = await clickhouseTotals(store);
    expect(totals[`views ${POISON_DAY} Android`]).toEqual({ rows: 1, total: 1 });
    expect(totals[`views ${POISON_DAY} iOS`]).toEqual({ rows: 1, total: 1 });
    expect(totals[`files ${POISON_DAY} iOS`]).toEqual({ rows: 2, total: 1 });
  });

  it("refuses, through the flow, to empty a loaded day from an empty prefix, and empties it with allowEmpty", async () => {
    const { env, config } = deployment("guard");
    await startWorkers(env, 1);
    const request = { from: DAY, to: DAY, platforms: ["iOS" as const] };
    expect((await coordinate(config, request)).failures).toEqual([]);
    const loaded = await clickhouseTotals(store);
    expect(loaded[`views ${DAY} iOS`]?.total).toBeGreaterThan(0);
    const sink = openFolder(config.parquetSink, config.s3);
    const outputs = (await listAll(sink, "")).map((o) => o.key);

    const empty = configOf({ ...env, EVENTS_SOURCE: `s3://${EVENTS_BUCKET}/nothing-here` });
    const refused = await coordinate(empty, request);
    expect(refused.failures).toEqual([]);
    expect(refused.commits).toEqual([]);
    expect(refused.refused).toEqual([
      expect.objectContaining({ step: `views iOS ${DAY}`, missingCount: loaded[`files ${DAY} iOS`]?.rows }),
    ]);
    expect(await clickhouseTotals(store)).toEqual(loaded);
    expect((await listAll(sink, "")).map((o) => o.key)).toEqual(outputs);

    const emptied = await coordinate(empty, { ...request, allowEmpty: true });
    expect(emptied).toMatchObject({ refused: [], failures: [] });
    const after = await clickhouseTotals(store);
    expect(after[`views ${DAY} iOS`]).toBeUndefined();
    expect(after[`views ${DAY} Android`]).toEqual(loaded[`views ${DAY} Android`]);
  });
});
