// A queued re-run (REDIS_URL) of a backfill or daily run syncs its purchases from the orders database
// as it is now: new orders give the flow a new id and it runs; the same files and the same orders
// give the same id and cost nothing. Through `ctr backfill`, `ctr daily` and POST /jobs/backfill,
// with real Redis, the embedded ClickHouse and SQLite (this process owns chDB, so it consumes the
// store queue: the commits and syncs run here).
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { startJobSystem } from "@ctr/jobs";
import { toApiConfig } from "@ctr/query-api";
import { getPurchasesPerMinute, loadConfig, ORDER_ITEMS_CSV_COLUMNS, ORDERS_CSV_COLUMNS } from "@ctr/schemas";
import { openStore } from "@ctr/workers";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestApp } from "./support/api_server.ts";
import { runCtr } from "./support/ctr_in_process.ts";
import { deleteQueueKeys, queueEnv, uniquePrefix } from "./support/distributed_support.ts";
import { removeDir, tempDir } from "./support/ingest_fixtures.ts";
import { needs } from "./support/services.ts";

const DAY = "2016-03-02";
const prefix = uniquePrefix("rerun-orders");
let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  dir = await tempDir("rerun-orders");
  // A source with the day's folder and no event files: the flows are commits and purchase syncs.
  await mkdir(path.join(dir, "raw", "iOS", DAY), { recursive: true });
  env = {
    CTR_DATA_DIR: path.join(dir, "data"),
    EVENTS_SOURCE: path.join(dir, "raw"),
    WORKER_CONCURRENCY: "1",
    ...queueEnv(prefix),
  };
});
afterAll(async () => {
  await deleteQueueKeys(prefix);
  await removeDir(dir);
});

/** Loads orders 1..n of DAY, one iOS item each, into the orders database (upserts: earlier ones stay). */
async function loadOrders(n: number): Promise<void> {
  const ids = Array.from({ length: n }, (_, i) => i + 1);
  const orders = ids.map(
    (id) => `${id},7,${DAY} 10:${String(id).padStart(2, "0")}:00,50.00,0,50.00,complete,pix,0,PAC,Recife,PE,direct,iOS`,
  );
  const items = ids.map((id) => `${100 + id},${id},S,1,P1`);
  const at = path.join(dir, `orders-${n}`);
  await mkdir(at, { recursive: true });
  await writeFile(path.join(at, "orders.csv"), `${[ORDERS_CSV_COLUMNS.join(","), ...orders].join("\n")}\n`);
  await writeFile(path.join(at, "items.csv"), `${[ORDER_ITEMS_CSV_COLUMNS.join(","), ...items].join("\n")}\n`);
  const run = await runCtr(
    ["orders", "load", "--orders", path.join(at, "orders.csv"), "--items", path.join(at, "items.csv")],
    env,
  );
  expect(run.code, run.stderr).toBe(0);
}

/** Runs `ctr ARGV` on the queue; returns the flow's id and the purchases its summary reports. */
async function queued(argv: string[]): Promise<{ id: string; purchases: string }> {
  const run = await runCtr(argv, env);
  expect(run.code, run.stderr + run.stdout).toBe(0);
  return {
    id: /backfill job (\S+)/.exec(run.stderr)?.[1] ?? "no id",
    purchases: /\((\d+ purchases?)\)/.exec(run.stdout)?.[1] ?? "no purchases",
  };
}

/** The day's purchases ClickHouse holds. */
async function storedPurchases(): Promise<number> {
  const store = openStore(loadConfig(env).clickhouse);
  try {
    return (await getPurchasesPerMinute(store.client, { from: DAY, to: DAY })).reduce((n, r) => n + r.purchases, 0);
  } finally {
    await store.close();
  }
}

const backfill = ["backfill", "--from", DAY, "--to", DAY, "--platform", "iOS"];

describe("a queued re-run after new orders", needs("redis"), () => {
  it("ctr backfill syncs the new orders under a new id; the same orders keep the id and cost nothing", async () => {
    await loadOrders(1);
    const first = await queued(backfill);
    expect(first.purchases).toBe("1 purchase");
    expect(await queued(backfill)).toEqual(first);

    await loadOrders(2);
    const second = await queued(backfill);
    expect(second.id).not.toBe(first.id);
    expect(second.purchases).toBe("2 purchases");
    expect(await storedPurchases()).toBe(2);
    expect(await queued(backfill)).toEqual(second);
  });

  it("ctr daily syncs the day's orders as they are now, run after run", async () => {
    await loadOrders(3);
    const daily = await queued(["daily", "--date", DAY]);
    expect(daily.purchases).toBe("3 purchases");
    expect(await storedPurchases()).toBe(3);

    await loadOrders(4);
    const again = await queued(["daily", "--date", DAY]);
    expect(again.id).not.toBe(daily.id);
    expect(again.purchases).toBe("4 purchases");
    expect(await storedPurchases()).toBe(4);
  });

  it("POST /jobs/backfill syncs the new orders under a new id; the same orders keep the id", async () => {
    await loadOrders(5);
    const config = loadConfig(env);
    const store = openStore(config.clickhouse);
    const system = await startJobSystem(config, store, () => {});
    try {
      const app = createTestApp(store, toApiConfig(config), system.submitter);
      const submit = async () => {
        const response = await app.request("/jobs/backfill", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ from: DAY, to: DAY, platform: "iOS" }),
        });
        expect(response.status).toBe(202);
        return ((await response.json()) as { id: string }).id;
      };
      const finished = (id: string) =>
        vi.waitFor(
          async () => {
            const body = (await (await app.request(`/jobs/${encodeURIComponent(id)}`)).json()) as {
              state: string;
              counts?: { purchases: number };
              emptyDays?: { platform: string; day: string }[];
            };
            expect(body.state).toBe("completed");
            return body;
          },
          { timeout: 60_000, interval: 100 },
        );
      const id = await submit();
      // The day's folder holds no event files: the queued status names it too.
      expect(await finished(id)).toMatchObject({
        counts: { purchases: 5 },
        emptyDays: [{ platform: "iOS", day: DAY }],
      });
      expect(await submit()).toBe(id);

      await loadOrders(6);
      const again = await submit();
      expect(again).not.toBe(id);
      expect((await finished(again)).counts?.purchases).toBe(6);
      const rows = await getPurchasesPerMinute(store.client, { from: DAY, to: DAY });
      expect(rows.reduce((n, r) => n + r.purchases, 0)).toBe(6);
    } finally {
      await system.close();
      await store.close();
    }
  });
});
