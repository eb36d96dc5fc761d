/**
 * A /ctr request whose answer surely exceeds MAX_RESULT_ROWS is refused before its query runs, from
 * the row counts of the store's parts; an answer that fits the limit is never refused, whatever the
 * range, the aggregation or the buckets' alignment.
 */
import type { Platform, Store } from "@ctr/schemas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTestApp,
  insertPurchases,
  insertViews,
  type MinuteCount,
  openTestStore,
  truncateTables,
} from "./support/api_server.ts";

const PLATFORMS: Platform[] = ["iOS", "Android", "MobileWeb"];
const DAYS = ["2016-02-01", "2016-02-02", "2016-02-03"];

let store: Store;
let closeStore: () => Promise<void>;

/** A deterministic stream of numbers in [0, 1) (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const two = (n: number) => String(n).padStart(2, "0");

beforeAll(async () => {
  ({ store, close: closeStore } = await openTestStore());
  await truncateTables(store);
  const next = random(7);
  const views: MinuteCount[] = [];
  const purchases: MinuteCount[] = [];
  // Sparse minutes of 40 products over three GMT-3 days, some views in a neighbouring folder (late
  // files), some minutes with purchases only.
  for (let i = 0; i < 900; i++) {
    const day = DAYS[Math.floor(next() * DAYS.length)] as string;
    const at = `${day} ${two(Math.floor(next() * 24))}:${two(Math.floor(next() * 60))}`;
    const platform = PLATFORMS[Math.floor(next() * 3)] as Platform;
    const product = `P${two(Math.floor(next() * 40))}`;
    const count = 1 + Math.floor(next() * 3);
    if (next() < 0.8) {
      views.push({ at, platform, product, count, ...(next() < 0.1 ? { folderDay: "2016-02-04" } : {}) });
    } else purchases.push({ at, platform, product, count });
  }
  await insertViews(store, views);
  await insertPurchases(store, purchases);
});
afterAll(async () => {
  await closeStore?.();
});

/** One request against the app with a limit, and how many statements of each name it ran. */
async function ask(query: string, maxResultRows: number): Promise<{ status: number; body: string; ran: string[] }> {
  const app = createTestApp(store, { maxResultRows });
  const response = await app.request(`/ctr?${query}`);
  const body = await response.text();
  const metrics = await (await app.request("/metrics")).text();
  const ran = [...metrics.matchAll(/clickhouse_query_duration_seconds_count\{[^}]*query="(\w+)"[^}]*\} (\d+)/g)]
    .filter((m) => Number(m[2]) > 0)
    .map((m) => m[1] as string);
  return { status: response.status, body, ran };
}

const range = (start: string, end: string, aggregation: number) =>
  `startTimestamp=${encodeURIComponent(start)}&endTimestamp=${encodeURIComponent(end)}&aggregation=${aggregation}`;

describe("the size bound of /ctr", () => {
  it("refuses an answer over the limit before its query runs, saying how much it holds at least", async () => {
    const query = range("2016-02-01 00:00:00", "2016-02-04 00:00:00", 1);
    const exact = JSON.parse((await ask(query, 1_000_000)).body) as unknown[];
    expect(exact.length).toBeGreaterThan(600);
    const refused = await ask(query, 100);
    expect(refused.status).toBe(422);
    expect(JSON.parse(refused.body)).toMatchObject({
      error: {
        code: "result_too_large",
        message: expect.stringMatching(/^the result has more than 100 rows \(at least \d+\)/),
      },
    });
    expect(refused.ran).toEqual(["ctr_row_bound"]);
  });

  it("never refuses an answer that fits, on random ranges, aggregations and alignments", async () => {
    const next = random(11);
    const starts = ["2016-02-01 00:00:00", "2016-02-01 10:00:00", "2016-01-31 21:00:00", "2016-02-01 03:17:00"];
    const aggregations = [1, 2, 7, 30, 60, 61, 90, 180, 1440, 2000, 2880];
    let refusedBeforeQuery = 0;
    for (let i = 0; i < 40; i++) {
      const start = starts[Math.floor(next() * starts.length)] as string;
      const aggregation = aggregations[Math.floor(next() * aggregations.length)] as number;
      const startMs = Date.parse(`${start.replace(" ", "T")}-03:00`);
      const minutes = 60 * (1 + Math.floor(next() * 96)) + (next() < 0.5 ? 0 : Math.floor(next() * 60));
      const end = new Date(startMs + minutes * 60_000 - 3 * 3_600_000).toISOString().slice(0, 19).replace("T", " ");
      const query = range(start, end, aggregation);
      const exact = JSON.parse((await ask(query, 1_000_000)).body) as unknown[];
      if (exact.length === 0) continue;
      const fits = await ask(query, exact.length);
      expect(fits.status, `${query} with the limit at its ${exact.length} rows`).toBe(200);
      expect(JSON.parse(fits.body)).toEqual(exact);
      const over = await ask(query, exact.length - 1);
      expect(over.status, `${query} with the limit under its ${exact.length} rows`).toBe(422);
      if (!over.ran.includes("ctr_rows")) refusedBeforeQuery++;
    }
    // The bound is not only sound but of use: some of those refusals never ran the query.
    expect(refusedBeforeQuery).toBeGreaterThan(0);
  });

  it("leaves a request for one product or platform to the exact count", async () => {
    const query = `${range("2016-02-01 00:00:00", "2016-02-04 00:00:00", 1)}&platform=iOS`;
    const exact = JSON.parse((await ask(query, 1_000_000)).body) as unknown[];
    const refused = await ask(query, exact.length - 1);
    expect(refused.status).toBe(422);
    expect(refused.ran).toContain("ctr_rows");
  });
});
