/**
 * The hourly and daily rollups answer exactly as the per-minute tables do. Generated data goes
 * through the real orders load and backfill (commits and the purchase sync write the rollups); then
 * many random requests, on and off the rollups' grains, are asked of two apps over the one store: one
 * choosing its tables (ctr_tier.ts), one forced to the per-minute tables. Their bodies must be
 * byte-identical. Then the ways a store gains or repairs its rollups: a store loaded before them
 * (migrate fills them), `ctr rebuild`, and a purchase sync that empties a day.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { generate, Random, runBackfill, runRebuild } from "@ctr/jobs";
import { chooseCtrTables, type RunningServer } from "@ctr/query-api";
import {
  type Config,
  CTR_ROLLUPS,
  formatGmt3WallClock,
  loadConfig,
  migrate,
  PLATFORMS,
  PRODUCT_VIEWS_PER_MINUTE_TABLE,
  parseCtrRequest,
  parseGmt3WallClock,
  queryRows,
  ROLLUPS,
  type RollupFill,
  runCommand,
  type Store,
} from "@ctr/schemas";
import { loadOrders, openOrdersDatabase, openStore, replacePurchasesDay } from "@ctr/workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { getAnswer, getCtr, serveApi } from "./support/api_server.ts";
import { inTestMode } from "./support/clickhouse_mode.ts";
import { oneViewNdjson, writeFiles } from "./support/ingest_fixtures.ts";

const FROM = "2016-02-01";
const TO = "2016-02-03";
const SOURCE_ROLLUP_TABLES = Object.values(ROLLUPS).flatMap(({ rollups }) => rollups.map((r) => r.table));
const CTR_ROLLUP_TABLES = CTR_ROLLUPS.map((r) => r.table);
const ROLLUP_TABLES = [...SOURCE_ROLLUP_TABLES, ...CTR_ROLLUP_TABLES];

let dir: string;
let config: Config;
let closeMode: () => Promise<void>;
let store: Store;
let tiered: RunningServer;
let perMinute: RunningServer;
let products: string[];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "ctr-api-rollups-"));
  const raw = path.join(dir, "raw");
  await generate({ from: FROM, to: TO, scale: 0.03, seed: "rollups", outDir: raw });
  const given = loadConfig({ CTR_DATA_DIR: dir, WORKER_CONCURRENCY: "2" });
  const orders = await openOrdersDatabase(given.ordersDatabaseUrl);
  try {
    await loadOrders(orders, { orders: path.join(raw, "orders.csv"), items: path.join(raw, "order_items.csv") });
  } finally {
    await orders.close();
  }
  ({ config, close: closeMode } = await inTestMode(given));
  const summary = await runBackfill(config, { from: FROM, to: TO, platforms: [...PLATFORMS] }, { write: () => true });
  expect(summary.failures).toEqual([]);
  store = openStore(config.clickhouse);
  tiered = await serveApi(store);
  perMinute = await serveApi(store, {}, undefined, { rollups: false });
  // The most viewed products and one of the tail: a filtered request mostly finds rows.
  const rows = await queryRows(store.client, {
    name: "test.products",
    query: `SELECT product FROM ${PRODUCT_VIEWS_PER_MINUTE_TABLE} GROUP BY product ORDER BY sum(views) DESC, product`,
    schema: z.object({ product: z.string() }),
  });
  products = [...rows.slice(0, 5), rows.at(-1)].flatMap((row) => (row ? [row.product] : []));
  expect(products.length).toBeGreaterThan(1);
});

afterAll(async () => {
  await tiered?.close();
  await perMinute?.close();
  await store?.close();
  await closeMode?.();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type Fields = Record<string, string | number>;

/** A random element of a list. */
const pick = <T>(random: Random, list: readonly T[]): T => list[random.uint32() % list.length] as T;

const GRAINS = [1440, 60, 1] as const;
const AGGREGATIONS = [1, 7, 45, 59, 60, 61, 90, 120, 180, 360, 1439, 1440, 1441, 2880, 4320, 10_080];
// A GMT-3 midnight a day before the data; ranges reach two days past it: the data's edges are inside.
const EARLIEST = parseGmt3WallClock("2016-01-31 00:00:00") ?? 0;
const SPAN_MINUTES = 6 * 1440;

/**
 * A random request aimed at a tier: its start on that tier's grain, its end and aggregation mostly
 * too, and otherwise just off it (an end inside the last period, an aggregation that is no multiple),
 * with or without product and platform. Fine aggregations get short ranges: their answers are long.
 */
function randomRequest(random: Random): Fields {
  const grain = pick(random, GRAINS);
  const aggregation = random.uint32() % 4 === 0 ? pick(random, AGGREGATIONS) : grain * (1 + (random.uint32() % 3));
  const maxMinutes = aggregation < 60 ? 1440 : SPAN_MINUTES;
  const start = EARLIEST + (random.uint32() % Math.floor((SPAN_MINUTES - 60) / grain)) * grain * 60_000;
  const endGrain = random.uint32() % 4 === 0 ? pick(random, GRAINS) : grain;
  const lengthMinutes = Math.max(1, 1 + (random.uint32() % Math.floor(maxMinutes / endGrain))) * endGrain;
  const fields: Fields = {
    startTimestamp: formatGmt3WallClock(start),
    endTimestamp: formatGmt3WallClock(start + lengthMinutes * 60_000),
    aggregation,
  };
  if (random.uint32() % 2 === 0) fields.product = pick(random, products);
  if (random.uint32() % 3 === 0) fields.platform = pick(random, PLATFORMS);
  return fields;
}

function tierOf(fields: Fields): number {
  const parsed = parseCtrRequest(fields);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return chooseCtrTables(parsed.request).grainMinutes;
}

/** Asks both apps; returns the rows of the answer and the tier the tiered app read. */
async function expectSameAnswer(fields: Fields, accept = "application/json"): Promise<{ rows: number; tier: number }> {
  const [a, b] = await Promise.all([
    getCtr(tiered, fields, { Accept: accept }),
    getCtr(perMinute, fields, { Accept: accept }),
  ]);
  const [bodyA, bodyB] = [await a.text(), await b.text()];
  expect({ status: a.status, body: bodyA }, JSON.stringify(fields)).toEqual({ status: b.status, body: bodyB });
  expect(a.status, bodyA).toBe(200);
  const rows = accept === "application/json" ? (JSON.parse(bodyA) as unknown[]).length : bodyA.split("\n").length;
  return { rows, tier: tierOf(fields) };
}

/** Asks `count` random requests of both apps; returns how many were answered per tier, and with rows. */
async function compareRandomRequests(seed: string, count: number) {
  const random = Random.derive("api-rollups", seed);
  const tiers = new Map<number, { requests: number; withRows: number }>();
  for (let i = 0; i < count; i++) {
    const fields = randomRequest(random);
    const { rows, tier } = await expectSameAnswer(fields);
    const seen = tiers.get(tier) ?? { requests: 0, withRows: 0 };
    tiers.set(tier, { requests: seen.requests + 1, withRows: seen.withRows + (rows > 0 ? 1 : 0) });
  }
  return tiers;
}

describe("tiers", () => {
  it("answer random requests on and off the rollups' grains byte for byte as the per-minute tables", async () => {
    const tiers = await compareRandomRequests("random", 150);
    // Every tier was read, and read rows, often enough for the comparison to mean something.
    for (const grain of [1, 60, 1440]) {
      expect(tiers.get(grain)?.requests ?? 0, `requests read at ${grain} minutes`).toBeGreaterThanOrEqual(20);
      expect(tiers.get(grain)?.withRows ?? 0, `answers with rows at ${grain} minutes`).toBeGreaterThanOrEqual(10);
    }
  });

  it("answer the front-end's requests the same: whole days by the hour and by the day, in every format", async () => {
    for (const [accept, aggregations] of [
      ["application/json", [60, 120, 1440, 2880]],
      ["application/x-ndjson", [60, 1440]],
      ["text/csv", [1440]],
    ] as const) {
      for (const aggregation of aggregations) {
        const whole = { startTimestamp: "2016-01-31 00:00:00", endTimestamp: "2016-02-05 00:00:00", aggregation };
        expect((await expectSameAnswer(whole, accept)).rows).toBeGreaterThan(1);
        for (const product of products.slice(0, 2)) {
          expect((await expectSameAnswer({ ...whole, product }, accept)).rows).toBeGreaterThan(0);
        }
        // The end cut inside a day: the daily rollup would over-count the last bucket.
        const cut = { ...whole, endTimestamp: "2016-02-02 13:00:00" };
        expect((await expectSameAnswer(cut, accept)).tier).toBe(60);
      }
    }
  });
});

interface CountedRow {
  timestamp: string;
  platform: string;
  product?: string;
  CTR: number | null;
  purchases: number;
  productViews: number;
}

/** /ctr's rows summed per (bucket, platform), CTR from the sums half up: what /ctr/totals must say. */
function summedPerPlatform(rows: readonly CountedRow[]): CountedRow[] {
  const sums = new Map<string, CountedRow>();
  for (const { timestamp, platform, purchases, productViews } of rows) {
    const key = `${timestamp}|${platform}`;
    const sum = sums.get(key) ?? { timestamp, platform, CTR: null, purchases: 0, productViews: 0 };
    sum.purchases += purchases;
    sum.productViews += productViews;
    sums.set(key, sum);
  }
  return [...sums.values()].map((sum) => ({
    ...sum,
    CTR:
      sum.productViews === 0
        ? null
        : Math.floor((sum.purchases * 20_000 + sum.productViews) / (2 * sum.productViews)) / 10_000,
  }));
}

async function rowsOf(server: RunningServer, route: string, fields: Fields): Promise<CountedRow[]> {
  const response = await getAnswer(server, route, fields);
  const body = await response.text();
  expect(response.status, `${route} ${JSON.stringify(fields)}: ${body}`).toBe(200);
  return JSON.parse(body) as CountedRow[];
}

describe("/ctr/totals and /ctr/top on every tier", () => {
  it("totals equal the sums of /ctr's rows for the same random requests, on every tier, as the per-minute tables say", async () => {
    const random = Random.derive("api-rollups", "totals");
    const tiers = new Map<number, number>();
    for (let i = 0; i < 90; i++) {
      const { product: _one, ...fields } = randomRequest(random);
      const perProduct = await rowsOf(tiered, "/ctr", fields);
      const totals = await rowsOf(tiered, "/ctr/totals", fields);
      expect(totals, JSON.stringify(fields)).toEqual(summedPerPlatform(perProduct));
      expect(await rowsOf(perMinute, "/ctr/totals", fields)).toEqual(totals);
      if (totals.length > 0) tiers.set(tierOf(fields), (tiers.get(tierOf(fields)) ?? 0) + 1);
    }
    for (const grain of [1, 60, 1440]) {
      expect(tiers.get(grain) ?? 0, `totals with rows at ${grain} minutes`).toBeGreaterThanOrEqual(10);
    }
  });

  it("top products read from the rollups rank as the per-minute tables do, with /ctr's sums", async () => {
    for (const range of [
      { startTimestamp: "2016-01-31 00:00:00", endTimestamp: "2016-02-05 00:00:00" },
      { startTimestamp: "2016-02-01 00:00:00", endTimestamp: "2016-02-02 00:00:00" },
      { startTimestamp: "2016-02-01 07:00:00", endTimestamp: "2016-02-02 19:00:00" },
      { startTimestamp: "2016-02-01 07:13:00", endTimestamp: "2016-02-02 19:41:00" },
    ]) {
      const minutes =
        ((parseGmt3WallClock(range.endTimestamp) ?? 0) - (parseGmt3WallClock(range.startTimestamp) ?? 0)) / 60_000;
      const perProduct = await rowsOf(tiered, "/ctr", { ...range, aggregation: minutes });
      for (const by of ["views", "purchases", "ctr"]) {
        for (const extra of [{}, { platform: "iOS", minViews: 3 }] as Fields[]) {
          const fields = { ...range, by, limit: 25, ...extra };
          const top = (await rowsOf(tiered, "/ctr/top", fields)) as unknown as {
            product: string;
            purchases: number;
            productViews: number;
          }[];
          expect(top.length, JSON.stringify(fields)).toBe(25);
          expect(await rowsOf(perMinute, "/ctr/top", fields)).toEqual(top);
          for (const row of top) {
            const mine = perProduct.filter(
              (r) => r.product === row.product && ("platform" in extra ? r.platform === extra.platform : true),
            );
            expect({ product: row.product, purchases: row.purchases, productViews: row.productViews }).toEqual({
              product: row.product,
              purchases: mine.reduce((n, r) => n + r.purchases, 0),
              productViews: mine.reduce((n, r) => n + r.productViews, 0),
            });
          }
        }
      }
    }
  });
});

/** The rows of each rollup table: what a refill must restore. */
async function rollupContents(): Promise<Record<string, string>> {
  const contents: Record<string, string> = {};
  for (const table of ROLLUP_TABLES) {
    const rows = await queryRows(store.client, {
      name: "test.rollup_contents",
      query: `SELECT * FROM ${table} ORDER BY ALL`,
      schema: z.record(z.string(), z.unknown()),
    });
    contents[table] = JSON.stringify(rows);
  }
  return contents;
}

describe("a store gains and repairs its rollups", () => {
  it("fills them from the per-minute tables when it was loaded before they existed (migrate)", async () => {
    const before = await rollupContents();
    for (const table of ROLLUP_TABLES) {
      await runCommand(store.client, { name: "test.drop_rollup", query: `DROP TABLE ${table}` });
    }
    const fills: RollupFill[] = [];
    const ctrDays: string[] = [];
    const applied = await migrate(store, {
      onRollupFill: (fill) => fills.push(fill),
      onCtrDayFill: (day) => ctrDays.push(day),
    });
    expect(applied.map((m) => m.name)).toEqual(expect.arrayContaining(["0004_rollups.sql", "0006_ctr_rollups.sql"]));
    expect(new Set(fills.map((f) => f.table))).toEqual(new Set(SOURCE_ROLLUP_TABLES));
    expect(fills.every((f) => f.rows > 0)).toBe(true);
    // Every GMT-3 day with views or purchases: the data's days and the edges its folders' windows reach.
    expect(ctrDays).toEqual(expect.arrayContaining(["2016-01-31", FROM, "2016-02-02", TO]));
    expect(await rollupContents()).toEqual(before);
    await compareRandomRequests("after migrate", 25);
    // Up to date: nothing more to fill.
    const again: RollupFill[] = [];
    const againDays: string[] = [];
    await migrate(store, { onRollupFill: (fill) => again.push(fill), onCtrDayFill: (day) => againDays.push(day) });
    expect({ again, againDays }).toEqual({ again: [], againDays: [] });
  });

  it("rebuilds them with `ctr rebuild`, the views' from the Parquet and the purchases' from their per-minute rows", async () => {
    const before = await rollupContents();
    // Stale rollups: every partition present, every count wrong.
    for (const table of ROLLUP_TABLES) {
      const measure = table.startsWith("purchases") ? "purchases" : "views";
      await runCommand(store.client, {
        name: "test.spoil_rollup",
        query: `ALTER TABLE ${table} UPDATE ${measure} = ${measure} + 1 WHERE 1 SETTINGS mutations_sync = 2`,
      });
    }
    expect(await rollupContents()).not.toEqual(before);
    const outcome = await runRebuild(config, undefined, () => {}, store);
    expect(outcome.refused).toEqual([]);
    expect(outcome.purchaseRollups.length).toBeGreaterThan(0);
    expect(await rollupContents()).toEqual(before);
    await compareRandomRequests("after rebuild", 25);
  });

  it("gather a CTR day again when only it is missing (`ctr rebuild` of its range), not at every start", async () => {
    const before = await rollupContents();
    // One GMT-3 day of the hourly tier lost inside its month's partition.
    await runCommand(store.client, {
      name: "test.drop_ctr_day",
      query: `ALTER TABLE ${CTR_ROLLUP_TABLES[0]} DELETE WHERE toDate(minute, 'Etc/GMT+3') = '2016-02-02' SETTINGS mutations_sync = 2`,
    });
    // An up-to-date store's migrate reads no history: it does not look for the day.
    const days: string[] = [];
    await migrate(store, { onCtrDayFill: (day) => days.push(day) });
    expect(days).toEqual([]);
    expect(await rollupContents()).not.toEqual(before);
    const outcome = await runRebuild(config, { from: "2016-02-02", to: "2016-02-02" }, () => {}, store);
    expect(outcome.refused).toEqual([]);
    expect(await rollupContents()).toEqual(before);
  });

  it("follow a re-ingested folder whose views move to another GMT-3 day", async () => {
    // A view a day late in its folder (within the window), then the same file holding it on time.
    const file = path.join(dir, "raw", "MobileWeb", "2016-02-20", "moved.ndjson");
    const window = { startTimestamp: "2016-02-19 00:00:00", endTimestamp: "2016-02-23 00:00:00", product: "moved" };
    const hours = async () => {
      for (const aggregation of [60, 1440]) await expectSameAnswer({ ...window, aggregation });
      const rows = (await (await getCtr(tiered, { ...window, aggregation: 1440 })).json()) as { timestamp: string }[];
      return rows.map((row) => row.timestamp);
    };
    for (const [viewDay, gmt3Day] of [
      ["2016-02-21", "2016-02-21 00:00:00"],
      ["2016-02-20", "2016-02-20 00:00:00"],
    ] as const) {
      await writeFiles(path.dirname(file), { [path.basename(file)]: oneViewNdjson(viewDay, "moved") });
      const request = { from: "2016-02-20", to: "2016-02-20", platforms: ["MobileWeb" as const] };
      expect((await runBackfill(config, request, { write: () => true }, store)).failures).toEqual([]);
      expect(await hours()).toEqual([gmt3Day]);
    }
  });

  it("follow the purchase sync's write that empties a day of purchases", async () => {
    await replacePurchasesDay(store, "2016-02-02", []);
    const day = { startTimestamp: "2016-02-02 00:00:00", endTimestamp: "2016-02-03 00:00:00", aggregation: 1440 };
    const response = await getCtr(tiered, day);
    const rows = (await response.json()) as { purchases: number }[];
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((row) => row.purchases === 0)).toBe(true);
    await compareRandomRequests("after an emptied day", 25);
  });
});
