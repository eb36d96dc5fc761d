// The /ctr result cache as a user meets it: answers repeat from memory until the data changes, a
// change made in this process shows in the very next answer, one made elsewhere within the re-read
// interval, and the cache stays within RESULT_CACHE_MB.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { InProcessSubmitter } from "@ctr/jobs";
import { GENERATION_REREAD_MS, GenerationClock, type RunningServer, toApiConfig } from "@ctr/query-api";
import {
  type Config,
  loadConfig,
  migrate,
  PRODUCT_VIEWS_PER_MINUTE_TABLE,
  recordDataChange,
  type Store,
} from "@ctr/schemas";
import { openStore } from "@ctr/workers";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { getCtr, insertViews, rollUp, serveApi, truncateTables } from "./support/api_server.ts";
import { inTestMode } from "./support/clickhouse_mode.ts";
import { oneViewNdjson, removeDir, tempDir, writeFiles } from "./support/ingest_fixtures.ts";

const DAY = "2016-02-01";
// oneViewNdjson puts its view at 10:00 UTC: 07:00 GMT-3.
const MORNING = { startTimestamp: `${DAY} 06:00:00`, endTimestamp: `${DAY} 08:00:00`, aggregation: 60 };

let dir: string;
let config: Config;
let store: Store;
let closeMode: () => Promise<void>;

beforeAll(async () => {
  dir = await tempDir("api-cache");
  const mode = await inTestMode(loadConfig({ CTR_DATA_DIR: dir, EVENTS_SOURCE: path.join(dir, "raw") }));
  ({ config, close: closeMode } = mode);
  store = openStore(config.clickhouse);
  await migrate(store);
});
afterAll(async () => {
  await store?.close();
  await closeMode?.();
  await removeDir(dir);
});
beforeEach(async () => {
  await truncateTables(store);
});

/** The result cache's counters and size, as /metrics shows them. */
async function cacheMetrics(server: RunningServer): Promise<Record<"hits" | "misses" | "evictions" | "bytes", number>> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const value = (name: string) => {
    const match = new RegExp(`^${name} (\\S+)$`, "m").exec(text);
    if (!match?.[1]) throw new Error(`${name} is not in /metrics`);
    return Number(match[1]);
  };
  return {
    hits: value("ctr_api_result_cache_hits_total"),
    misses: value("ctr_api_result_cache_misses_total"),
    evictions: value("ctr_api_result_cache_evictions_total"),
    bytes: value("ctr_api_result_cache_bytes"),
  };
}

async function ctrJson(server: RunningServer, fields: Record<string, string | number>): Promise<unknown[]> {
  const response = await getCtr(server, fields);
  expect(response.status).toBe(200);
  return (await response.json()) as unknown[];
}

const products = (rows: unknown[]) => (rows as { product: string }[]).map((row) => row.product);

describe("the result cache", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await serveApi(store);
  });
  afterAll(async () => {
    await server?.close();
  });

  it("serves a repeated request from memory: GET and POST, any spelling of the same fields, per format", async () => {
    await insertViews(store, [{ at: `${DAY} 07:00`, platform: "iOS", product: "A", count: 3 }]);
    const before = await cacheMetrics(server);
    const first = await getCtr(server, { ...MORNING, platform: "ios" });
    const firstText = await first.text();
    const again = await getCtr(server, { ...MORNING, platform: "IOS" });
    const posted = await fetch(`${server.url}/ctr`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ ...MORNING, aggregation: "60", platform: "iOS" }),
    });
    expect(await again.text()).toBe(firstText);
    expect(await posted.text()).toBe(firstText);
    expect(JSON.parse(firstText)).toEqual([
      { timestamp: `${DAY} 07:00:00`, platform: "iOS", product: "A", CTR: 0, purchases: 0, productViews: 3 },
    ]);
    // Another format is another answer.
    const csv = await getCtr(server, { ...MORNING, platform: "iOS" }, { Accept: "text/csv" });
    expect(await csv.text()).toMatch(/^"timestamp",.*\n"2016-02-01 07:00:00","iOS","A",0\.0000,0,3\n$/);
    const after = await cacheMetrics(server);
    expect(after.misses - before.misses).toBe(2);
    expect(after.hits - before.hits).toBe(2);
    expect(after.bytes).toBeGreaterThan(firstText.length);
  });

  it("keeps no errors: a bad request or a refused one is answered again each time", async () => {
    const limited = await serveApi(store, { maxResultRows: 1 });
    try {
      await insertViews(store, [
        { at: `${DAY} 07:00`, platform: "iOS", product: "A", count: 1 },
        { at: `${DAY} 07:00`, platform: "iOS", product: "B", count: 1 },
      ]);
      for (let i = 0; i < 2; i++) {
        expect((await getCtr(limited, { ...MORNING, aggregation: 0 })).status).toBe(400);
        expect((await getCtr(limited, MORNING)).status).toBe(422);
      }
      expect(await cacheMetrics(limited)).toMatchObject({ hits: 0, bytes: 0 });
      // Once the data allows it, the same request is answered.
      await truncateTables(store);
      expect(await ctrJson(limited, MORNING)).toEqual([]);
    } finally {
      await limited.close();
    }
  });

  it("shows a change written by another process after at most the re-read interval", async () => {
    await insertViews(store, [{ at: `${DAY} 07:00`, platform: "iOS", product: "A", count: 1 }]);
    expect(products(await ctrJson(server, MORNING))).toEqual(["A"]);
    // Another process: its own store on the same ClickHouse, rows and the record of the change.
    const other: Store = { ...store, changes: { local: 0 } };
    await other.client.insert({
      table: "product_views_per_minute_v1",
      format: "JSONEachRow",
      values: [{ day: DAY, platform: "iOS", minute: `${DAY} 10:00:00`, product: "B", views: 1 }],
    });
    // With their rollups, as a commit writes them.
    await rollUp(other, PRODUCT_VIEWS_PER_MINUTE_TABLE);
    await recordDataChange(other);
    await vi.waitFor(async () => expect(products(await ctrJson(server, MORNING))).toEqual(["A", "B"]), {
      timeout: 10_000,
      interval: 50,
    });
    expect((await cacheMetrics(server)).hits).toBeGreaterThan(0);
  });

  it("never holds more than RESULT_CACHE_MB, nor an answer over an eighth of it", async () => {
    const small = await serveApi(store, { resultCacheMb: 1 });
    try {
      // 600 products at one minute: each answer below is ~600 rows of ~100 bytes, about 60 KB.
      await insertViews(
        store,
        Array.from({ length: 600 }, (_, i) => ({
          at: `${DAY} 07:00`,
          platform: "iOS" as const,
          product: `P${String(i).padStart(4, "0")}`,
          count: 1 + (i % 7),
        })),
      );
      for (let k = 0; k < 40; k++) {
        const rows = await ctrJson(small, { ...MORNING, startTimestamp: `${DAY} 06:${String(k).padStart(2, "0")}:00` });
        expect(rows).toHaveLength(600);
        expect((await cacheMetrics(small)).bytes).toBeLessThanOrEqual(1024 * 1024);
      }
      const filled = await cacheMetrics(small);
      expect(filled.evictions).toBeGreaterThan(0);
      expect(filled.bytes).toBeGreaterThan(512 * 1024);
      // The oldest answers went first: the first request is answered by ClickHouse again, the last from memory.
      await ctrJson(small, { ...MORNING, startTimestamp: `${DAY} 06:00:00` });
      const afterFirst = await cacheMetrics(small);
      expect(afterFirst.misses).toBe(filled.misses + 1);
      await ctrJson(small, { ...MORNING, startTimestamp: `${DAY} 06:39:00` });
      expect((await cacheMetrics(small)).hits).toBe(afterFirst.hits + 1);
      // Over an eighth of the cache (128 KiB): 1,800 rows, ~200 KB, streamed and never kept.
      const wide = { ...MORNING, startTimestamp: `${DAY} 05:00:00`, aggregation: 60 };
      const morePlatforms = (at: string, platform: "Android" | "MobileWeb") =>
        Array.from({ length: 600 }, (_, i) => ({ at, platform, product: `P${String(i).padStart(4, "0")}`, count: 1 }));
      await insertViews(store, [
        ...morePlatforms(`${DAY} 05:30`, "Android"),
        ...morePlatforms(`${DAY} 06:30`, "MobileWeb"),
      ]);
      const beforeWide = await cacheMetrics(small);
      for (let i = 0; i < 2; i++) expect(await ctrJson(small, wide)).toHaveLength(1_800);
      const afterWide = await cacheMetrics(small);
      expect(afterWide.misses).toBe(beforeWide.misses + 2);
      expect(afterWide.hits).toBe(beforeWide.hits);
      // The insert moved the generation on: the older answers went, and the wide one was not kept.
      expect(afterWide.bytes).toBe(0);
    } finally {
      await small.close();
    }
  });

  it("with RESULT_CACHE_MB=0 keeps nothing and reads no generation", async () => {
    const uncached = await serveApi(store, { resultCacheMb: 0 });
    try {
      await insertViews(store, [{ at: `${DAY} 07:00`, platform: "iOS", product: "A", count: 1 }]);
      for (let i = 0; i < 2; i++) expect(products(await ctrJson(uncached, MORNING))).toEqual(["A"]);
      // Rows written without any record of the change still show: nothing was kept.
      await store.client.insert({
        table: "product_views_per_minute_v1",
        format: "JSONEachRow",
        values: [{ day: DAY, platform: "iOS", minute: `${DAY} 10:00:00`, product: "B", views: 1 }],
      });
      await rollUp(store, PRODUCT_VIEWS_PER_MINUTE_TABLE);
      expect(products(await ctrJson(uncached, MORNING))).toEqual(["A", "B"]);
      expect(await cacheMetrics(uncached)).toEqual({ hits: 0, misses: 0, evictions: 0, bytes: 0 });
    } finally {
      await uncached.close();
    }
  });
});

describe("the data's generation", () => {
  it("moves at once for a change of this process, and for another's at the first read a re-read interval later", async () => {
    let now = 0;
    const clock = new GenerationClock(store, { now: () => now });
    const first = await clock.current();
    const other: Store = { ...store, changes: { local: 0 } };
    await recordDataChange(other);
    now += GENERATION_REREAD_MS - 1;
    expect(await clock.current()).toBe(first);
    now += 1;
    const second = await clock.current();
    expect(second).not.toBe(first);
    await recordDataChange(store);
    const third = await clock.current();
    expect(third).not.toBe(second);
    expect(await clock.current()).toBe(third);
  });
});

describe("a backfill submitted to the same process", () => {
  it("shows in the very next /ctr answer", async () => {
    const raw = path.join(dir, "raw");
    await writeFiles(raw, { [`iOS/${DAY}/a.ndjson`]: oneViewNdjson(DAY, "A") });
    const jobs = new InProcessSubmitter(config, store);
    const server = await serveApi(store, toApiConfig(config), jobs);
    const backfill = async () => {
      const submitted = await fetch(`${server.url}/jobs/backfill`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ from: DAY, to: DAY }),
      });
      expect(submitted.status).toBe(202);
      const { id } = (await submitted.json()) as { id: string };
      await vi.waitFor(
        async () => {
          const status = (await (await fetch(`${server.url}/jobs/${encodeURIComponent(id)}`)).json()) as {
            state: string;
          };
          expect(status.state).toBe("completed");
        },
        { timeout: 60_000, interval: 20 },
      );
    };
    try {
      await backfill();
      expect(products(await ctrJson(server, MORNING))).toEqual(["A"]);
      expect(products(await ctrJson(server, MORNING))).toEqual(["A"]);
      expect((await cacheMetrics(server)).hits).toBe(1);
      await writeFile(path.join(raw, "iOS", DAY, "b.ndjson"), oneViewNdjson(DAY, "B"));
      await backfill();
      expect(products(await ctrJson(server, MORNING))).toEqual(["A", "B"]);
    } finally {
      await jobs.idle();
      await server.close();
    }
  });
});
