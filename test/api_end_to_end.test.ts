/**
 * The whole path through the real parts: `ctr generate`'s module writes small sample data, the orders
 * load and the backfill ingest it, and the API's answers are compared with values computed here from
 * the raw files by the independent reference reader (test/support/raw_events.ts), not by SQL.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { generate } from "@ctr/jobs";
import type { RunningServer } from "@ctr/query-api";
import { type Config, loadConfig, PLATFORMS, parseGmt3WallClock } from "@ctr/schemas";
import { loadOrders, openOrdersDatabase } from "@ctr/workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BackfilledApi, backfillAndServe, getCtr } from "./support/api_server.ts";
import { readOrdersCsv, readRawViews } from "./support/raw_events.ts";

interface ExpectedRow {
  timestamp: string;
  platform: string;
  product: string;
  CTR: number | null;
  purchases: number;
  productViews: number;
}

let dir: string;
let config: Config;
let api: BackfilledApi;
let server: RunningServer;
let rawDir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "ctr-api-e2e-"));
  config = loadConfig({ CTR_DATA_DIR: dir, WORKER_CONCURRENCY: "2" });
  rawDir = path.join(dir, "raw");
  await generate({ from: "2016-02-01", to: "2016-02-02", scale: 0.02, seed: "11", outDir: rawDir });
  const orders = await openOrdersDatabase(config.ordersDatabaseUrl);
  try {
    await loadOrders(orders, { orders: path.join(rawDir, "orders.csv"), items: path.join(rawDir, "order_items.csv") });
  } finally {
    await orders.close();
  }
  api = await backfillAndServe(config, { from: "2016-02-01", to: "2016-02-02", platforms: [...PLATFORMS] });
  expect(api.summary.failures).toEqual([]);
  server = api.server;
});

afterAll(async () => {
  await api?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const formatGmt3 = (epochMs: number) => new Date(epochMs - 3 * 3_600_000).toISOString().slice(0, 19).replace("T", " ");

/** Half up to four decimals, in integers, the way the contract defines it. */
const roundedCtr = (purchases: number, views: number) =>
  views === 0 ? null : Math.floor((purchases * 20_000 + views) / (2 * views)) / 10_000;

/** The rows the contract asks for, computed from the raw event files and the orders CSVs. */
async function expectedRows(request: {
  startTimestamp: string;
  endTimestamp: string;
  aggregation: number;
  platform?: string;
  product?: string;
}): Promise<ExpectedRow[]> {
  const start = parseGmt3WallClock(request.startTimestamp) ?? Number.NaN;
  const end = parseGmt3WallClock(request.endTimestamp) ?? Number.NaN;
  const step = request.aggregation * 60_000;
  const rows = new Map<string, ExpectedRow>();
  const add = (epochMs: number, platform: string, product: string, views: number, purchases: number) => {
    const minute = Math.floor(epochMs / 60_000) * 60_000;
    if (minute < start || minute >= end) return;
    if (request.platform && platform.toLowerCase() !== request.platform.toLowerCase()) return;
    if (request.product && product !== request.product) return;
    const timestamp = formatGmt3(start + Math.floor((minute - start) / step) * step);
    const key = `${timestamp}\u0000${platform}\u0000${product}`;
    const row = rows.get(key) ?? { timestamp, platform, product, CTR: null, purchases: 0, productViews: 0 };
    row.productViews += views;
    row.purchases += purchases;
    rows.set(key, row);
  };
  for (const view of (await readRawViews(rawDir)).views) add(view.timestampMs, view.platform, view.product, 1, 0);
  const csv = await readOrdersCsv(rawDir);
  const orderById = new Map(csv.orders.map((order) => [order.id, order]));
  for (const item of csv.items) {
    const order = orderById.get(item.order_id);
    const platform = PLATFORMS.find((p) => p.toLowerCase() === order?.device_type.toLowerCase());
    if (!order || !platform) continue;
    add(parseGmt3WallClock(order.order_date) ?? Number.NaN, platform, item.code_color, 0, 1);
  }
  const bytes = (s: string) => Buffer.from(s, "utf8");
  return [...rows.values()]
    .map((row) => ({ ...row, CTR: roundedCtr(row.purchases, row.productViews) }))
    .sort(
      (a, b) =>
        Buffer.compare(bytes(a.timestamp), bytes(b.timestamp)) ||
        Buffer.compare(bytes(a.platform), bytes(b.platform)) ||
        Buffer.compare(bytes(a.product), bytes(b.product)),
    );
}

describe("the API over generated, ingested data", () => {
  const twoDays = { startTimestamp: "2016-01-31 21:00:00", endTimestamp: "2016-02-02 21:00:00" };

  it("matches the raw files for every (bucket, platform, product), in 137-minute buckets", async () => {
    const request = { ...twoDays, aggregation: 137 };
    const expected = await expectedRows(request);
    expect(expected.length).toBeGreaterThan(100);
    expect(expected.some((row) => row.purchases > 0 && row.productViews > 0)).toBe(true);
    const response = await getCtr(server, request);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual(expected);
    // Every CTR in the body is written with exactly four decimals, or null.
    const written = [...text.matchAll(/"CTR":([^,]+),/g)].map((m) => m[1]);
    expect(written).toHaveLength(expected.length);
    for (const value of written) expect(value).toMatch(/^(null|\d+\.\d{4})$/);
  });

  it("matches the raw files for one platform and one product, hourly", async () => {
    const all = await expectedRows({ ...twoDays, aggregation: 2880 });
    const busiest = [...all].filter((row) => row.platform === "iOS").sort((a, b) => b.productViews - a.productViews)[0];
    expect(busiest).toBeDefined();
    const request = { ...twoDays, aggregation: 60, platform: "ios", product: busiest?.product ?? "" };
    const response = await getCtr(server, request);
    expect(await response.json()).toEqual(await expectedRows(request));
  });

  it("reports the loaded platform-days with the raw files' counts", async () => {
    const raw = await readRawViews(rawDir);
    const coverage = (await (await fetch(`${server.url}/coverage`)).json()) as {
      views: { platform: string; day: string; files: number; views: number; ignored: number }[];
      purchases: { day: string }[];
    };
    expect(
      coverage.views.map(({ platform, day, files, views, ignored }) => ({ platform, day, files, views, ignored })),
    ).toEqual(
      raw.counts
        .map(({ platform, day, files, views, ignored }) => ({ platform, day, files, views, ignored }))
        .sort((a, b) => (a.day === b.day ? (a.platform < b.platform ? -1 : 1) : a.day < b.day ? -1 : 1)),
    );
    expect(coverage.purchases.map((p) => p.day)).toEqual(["2016-02-01", "2016-02-02"]);
  });
});
