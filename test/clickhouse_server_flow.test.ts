// The production path end to end, as an operator runs it, against the embedded result. Server mode:
// ClickHouse over HTTP (the stand-in server, with credentials), orders in PostgreSQL, events and
// Parquet on s3rver, BullMQ on the local Redis: `ctr orders load`, two `ctr worker` processes, a
// `ctr backfill` they run (the commits read the Parquet with s3() and the purchase syncs write over
// HTTP, on the workers), then `ctr serve`. Embedded: the same CLI commands on the defaults. Every
// /ctr answer must be the same, byte for byte.
import path from "node:path";
import { generate } from "@ctr/jobs";
import type { CtrRow } from "@ctr/schemas";
import { QUEUE_NAMES } from "@ctr/workers";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ClickHouseServer, startClickHouseServer } from "./support/clickhouse_server.ts";
import { runCtr, type ServeProcess, startCtrServe } from "./support/ctr_process.ts";
import {
  deleteQueueKeys,
  deploymentEnv,
  REDIS_URL,
  startWorker,
  stopWorker,
  uniquePrefix,
  uploadTree,
  type WorkerProcess,
} from "./support/distributed_support.ts";
import { removeDir, tempDir } from "./support/ingest_fixtures.ts";
import { startS3rver } from "./support/ingest_s3rver.ts";
import { createTestDatabase, type TestDatabase } from "./support/purchases_databases.ts";
import { needs } from "./support/services.ts";

const FROM = "2016-02-01";
const TO = "2016-02-02";
const queuePrefix = uniquePrefix("server-flow");

let dir: string;
let clickhouse: ClickHouseServer;
let s3: Awaited<ReturnType<typeof startS3rver>>;
let orders: TestDatabase;
let serverEnv: Record<string, string>;
let embeddedEnv: Record<string, string>;
const workers: WorkerProcess[] = [];
const served: { server?: ServeProcess; embedded?: ServeProcess } = {};

/** Runs a `ctr` command that must succeed; returns its output. */
async function ctrOk(args: string[], env: Record<string, string>): Promise<string> {
  const result = await runCtr(args, env, 240_000);
  expect(result.code, `ctr ${args.join(" ")}:\n${result.stdout}\n${result.stderr}`).toBe(0);
  return `${result.stdout}${result.stderr}`;
}

beforeAll(async () => {
  dir = await tempDir("server-flow");
  const raw = path.join(dir, "raw");
  await generate({ from: FROM, to: TO, scale: 0.01, outDir: raw, seed: "server-flow" });
  clickhouse = await startClickHouseServer({ user: "ctr", password: "flow secret" });
  s3 = await startS3rver(dir, ["ctr-events", "ctr-sink"]);
  await uploadTree(s3.endpoint, raw);
  orders = await createTestDatabase("postgres");
  serverEnv = {
    ...deploymentEnv({ endpoint: s3.endpoint, dataDir: path.join(dir, "server"), sinkPrefix: "flow", queuePrefix }),
    CLICKHOUSE_URL: clickhouse.url,
    CLICKHOUSE_USER: "ctr",
    CLICKHOUSE_PASSWORD: "flow secret",
    CLICKHOUSE_DATABASE: "ctr_flow",
    ORDERS_DATABASE_URL: orders.url,
  };
  embeddedEnv = { CTR_DATA_DIR: path.join(dir, "embedded"), EVENTS_SOURCE: raw, WORKER_CONCURRENCY: "2" };
  const load = [
    "orders",
    "load",
    "--orders",
    path.join(raw, "orders.csv"),
    "--items",
    path.join(raw, "order_items.csv"),
  ];
  const backfill = ["backfill", "--from", FROM, "--to", TO];

  await ctrOk(load, serverEnv);
  workers.push(
    ...(await Promise.all(
      [1, 2].map((n) => startWorker({ ...serverEnv, CTR_DATA_DIR: path.join(dir, `worker-${n}`) })),
    )),
  );
  await ctrOk(backfill, serverEnv);
  served.server = await startCtrServe(serverEnv);

  await ctrOk(load, embeddedEnv);
  await ctrOk(backfill, embeddedEnv);
  served.embedded = await startCtrServe(embeddedEnv);
}, 600_000);

afterAll(async () => {
  await served.server?.stop();
  await served.embedded?.stop();
  await Promise.all(workers.map(stopWorker));
  await clickhouse?.close();
  await s3?.close();
  await orders?.drop();
  await deleteQueueKeys(queuePrefix);
  await removeDir(dir);
});

/** The same /ctr request to both deployments: status and body of each. */
async function both(query: Record<string, string>, accept = "application/json") {
  const ask = async (api: ServeProcess | undefined) => {
    if (!api) throw new Error("a deployment is not serving");
    const response = await fetch(`${api.url}/ctr?${new URLSearchParams(query)}`, { headers: { Accept: accept } });
    return { status: response.status, body: await response.text() };
  };
  return { server: await ask(served.server), embedded: await ask(served.embedded) };
}

const WHOLE_RANGE = { startTimestamp: "2016-01-31 21:00:00", endTimestamp: "2016-02-02 21:00:00" };

describe(
  "the production path (ClickHouse server, workers, PostgreSQL, S3) against the embedded defaults",
  needs("redis", "postgres"),
  () => {
    it("ran the shards and the store jobs (commits, purchase syncs) on the two workers", async () => {
      const connection = new Redis(REDIS_URL);
      const ranOn = async (name: string) => {
        const queue = new Queue(name, { connection, prefix: queuePrefix });
        try {
          const jobs = await queue.getCompleted();
          return new Set(jobs.map((job) => job.processedBy?.split(":").at(-1)));
        } finally {
          await queue.close();
        }
      };
      try {
        const pids = new Set(workers.map((worker) => String(worker.pid)));
        expect(await ranOn(QUEUE_NAMES.shards)).toEqual(pids);
        const store = await ranOn(QUEUE_NAMES.store);
        expect(store.size).toBeGreaterThan(0);
        for (const pid of store) expect(pids).toContain(pid);
      } finally {
        connection.disconnect();
      }
    });

    it("answers every (hour, platform, product) of both days with the same bytes", async () => {
      const { server, embedded } = await both({ ...WHOLE_RANGE, aggregation: "60" });
      expect(server.status).toBe(200);
      expect(embedded.status).toBe(200);
      const rows = JSON.parse(embedded.body) as CtrRow[];
      // Not two empty answers: views and purchases of all three platforms.
      expect(rows.length).toBeGreaterThan(500);
      expect(new Set(rows.map((row) => row.platform))).toEqual(new Set(["Android", "MobileWeb", "iOS"]));
      expect(rows.reduce((n, row) => n + row.purchases, 0)).toBeGreaterThan(10);
      expect(rows.some((row) => row.CTR !== null && row.CTR > 0)).toBe(true);
      expect(server.body).toBe(embedded.body);
    });

    it("answers per day in CSV and NDJSON, and for one product and platform per 15 minutes, the same", async () => {
      const daily = await both({ ...WHOLE_RANGE, aggregation: "1440" }, "text/csv");
      expect(daily.server.status).toBe(200);
      expect(daily.embedded.body.split("\n").length).toBeGreaterThan(100);
      expect(daily.server.body).toBe(daily.embedded.body);

      const ndjson = await both({ ...WHOLE_RANGE, aggregation: "7" }, "application/x-ndjson");
      expect(ndjson.server.body).toBe(ndjson.embedded.body);

      const rows = JSON.parse((await both({ ...WHOLE_RANGE, aggregation: "1440" })).embedded.body) as CtrRow[];
      const top = rows.reduce((best, row) => (row.productViews > best.productViews ? row : best));
      const one = await both({ ...WHOLE_RANGE, aggregation: "15", product: top.product, platform: top.platform });
      expect(JSON.parse(one.embedded.body).length).toBeGreaterThan(0);
      expect(one.server.body).toBe(one.embedded.body);
    });
  },
);
