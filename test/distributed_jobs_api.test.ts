// POST /jobs/backfill and GET /jobs/:id: in the embedded deployment through the in-process
// submitter, and with Redis through BullMQ and a real `ctr worker` process.
import path from "node:path";
import { generate, InProcessSubmitter, startJobSystem } from "@ctr/jobs";
import { toApiConfig } from "@ctr/query-api";
import { type Config, loadConfig, PLATFORMS, type Store } from "@ctr/schemas";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestApp, truncateTables } from "./support/api_server.ts";
import {
  cleanUpDistributedTest,
  loadOrdersAndOpenStore,
  queueEnv,
  startWorker,
  uniquePrefix,
  type WorkerProcess,
} from "./support/distributed_support.ts";
import { tempDir } from "./support/ingest_fixtures.ts";
import { needs } from "./support/services.ts";

const DAY = "2016-02-01";
const KEY = "test-key";
let dir: string;
let store: Store;
let expected: { views: number; purchases: number; files: number };
let worker: WorkerProcess | undefined;
const prefix = uniquePrefix("api");

function environment(extra: Record<string, string> = {}): Record<string, string> {
  return {
    CTR_DATA_DIR: path.join(dir, "data"),
    EVENTS_SOURCE: path.join(dir, "raw"),
    SHARD_MAX_BYTES: "60000",
    WORKER_CONCURRENCY: "2",
    WORKER_SHUTDOWN_TIMEOUT_MS: "5000",
    API_KEYS: KEY,
    ...extra,
  };
}

function appWith(config: Config, jobs: InProcessSubmitter | Awaited<ReturnType<typeof startJobSystem>>["submitter"]) {
  return createTestApp(store, toApiConfig(config), jobs);
}

const auth = { Authorization: `Bearer ${KEY}`, "Content-Type": "application/json" };

/** Submits a backfill over HTTP and polls its status (at most 120 s) until it finished. */
async function backfillOverHttp(app: ReturnType<typeof appWith>) {
  const submitted = await app.request("/jobs/backfill", {
    method: "POST",
    headers: auth,
    body: JSON.stringify({ from: DAY, to: DAY }),
  });
  expect(submitted.status).toBe(202);
  const { id } = (await submitted.json()) as { id: string };
  expect(id).toMatch(/^backfill\.2016-02-01\.2016-02-01\./);
  // GET /jobs/:id is how a client learns the job finished: it asks again until it has.
  const status = await vi.waitFor(
    async () => {
      const response = await app.request(`/jobs/${encodeURIComponent(id)}`, { headers: auth });
      expect(response.status).toBe(200);
      const body = (await response.json()) as Record<string, unknown>;
      expect(body.state, `job ${id} did not finish: ${JSON.stringify(body)}`).toMatch(/^(completed|failed)$/);
      return body;
    },
    { timeout: 120_000, interval: 100 },
  );
  return { id, status };
}

/** What GET /jobs/:id shows once the backfill of DAY completed: the generated data's counts. */
const completedStatus = () => ({
  state: "completed",
  ok: true,
  counts: {
    files: expected.files,
    views: expected.views,
    purchases: expected.purchases,
    committedDays: PLATFORMS.length,
  },
  progress: { files: expected.files, totalFiles: expected.files },
  failures: [],
});

beforeAll(async () => {
  dir = await tempDir("jobs-api");
  const report = await generate({ from: DAY, to: DAY, scale: 0.01, outDir: path.join(dir, "raw"), seed: "jobs-api" });
  expected = {
    views: report.platformDays.reduce((n, d) => n + d.views, 0),
    files: report.platformDays.reduce((n, d) => n + d.files.length, 0),
    purchases: report.orders.purchases.filter((p) => p.day === DAY).reduce((n, p) => n + p.purchases, 0),
  };
  const config = loadConfig(environment());
  store = await loadOrdersAndOpenStore(config, report.orders);
}, 120_000);

afterAll(() => cleanUpDistributedTest({ worker, store, queuePrefix: prefix, dir }));

describe("job submission over HTTP", () => {
  it("embedded: POST /jobs/backfill then GET /jobs/:id reports completion with the counts", async () => {
    const config = loadConfig(environment());
    const jobs = new InProcessSubmitter(config, store);
    const app = appWith(config, jobs);
    const unauthorized = await app.request("/jobs/backfill", {
      method: "POST",
      body: JSON.stringify({ from: DAY, to: DAY }),
    });
    expect(unauthorized.status).toBe(401);
    const bad = await app.request("/jobs/backfill", {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ from: DAY, to: "2016-13-01" }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { field: string } }).error.field).toBe("to");
    expect((await app.request("/jobs/backfill.nope", { headers: auth })).status).toBe(404);

    const { status } = await backfillOverHttp(app);
    expect(status).toMatchObject({ ...completedStatus(), malformedLocations: [] });
    await jobs.idle();
  });

  it("with Redis: the flow runs on a worker process and GET /jobs/:id reports its counts", needs("redis"), async () => {
    const env = environment(queueEnv(prefix));
    const config = loadConfig(env);
    await truncateTables(store);
    worker = await startWorker({ ...env, CTR_DATA_DIR: path.join(dir, "worker") });
    // The server owns chDB: its job system consumes the store queue (commits, purchase syncs).
    const system = await startJobSystem(config, store, () => {});
    try {
      const { status } = await backfillOverHttp(appWith(config, system.submitter));
      expect(status).toMatchObject(completedStatus());
    } finally {
      await system.close();
    }
  });
});
