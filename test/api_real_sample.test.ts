/**
 * The real product-view sample (../shared/data, outside the repository) through ingestion and the API:
 * per-product views of its day must equal what the reference reader counts in the raw file.
 * Skipped, saying so, when the sample is absent.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { RunningServer } from "@ctr/query-api";
import { loadConfig } from "@ctr/schemas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BackfilledApi, backfillAndServe, getCtr } from "./support/api_server.ts";
import { readRawViews } from "./support/raw_events.ts";

const SAMPLE = path.resolve(import.meta.dirname, "../../shared/data/productEvent_20160201.json.gz");
const present = existsSync(SAMPLE);
if (!present) console.warn(`api_real_sample: skipped, the real sample is not at ${SAMPLE}`);

let dir: string;
let rawDir: string;
let api: BackfilledApi | undefined;
let server: RunningServer | undefined;

const whenPresent = { skip: !present, meta: { skipReason: `the real sample is not at ${SAMPLE}` } };

describe("the API over the real sample (MobileWeb, UTC day 2016-02-01)", whenPresent, () => {
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "ctr-api-sample-"));
    rawDir = path.join(dir, "raw");
    mkdirSync(path.join(rawDir, "MobileWeb", "2016-02-01"), { recursive: true });
    copyFileSync(SAMPLE, path.join(rawDir, "MobileWeb", "2016-02-01", "productEvent_20160201.json.gz"));
    const config = loadConfig({ CTR_DATA_DIR: dir, WORKER_CONCURRENCY: "2" });
    api = await backfillAndServe(config, { from: "2016-02-01", to: "2016-02-01", platforms: ["MobileWeb"] });
    expect(api.summary.failures).toEqual([]);
    server = api.server;
  });

  afterAll(async () => {
    await api?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // The UTC day in GMT-3 wall-clock time.
  const utcDay = { startTimestamp: "2016-01-31 21:00:00", endTimestamp: "2016-02-01 21:00:00", aggregation: 1440 };

  it("gives every product's views of the day as the raw file holds them", async () => {
    const expected = new Map<string, number>();
    for (const view of (await readRawViews(rawDir)).views) {
      expected.set(view.product, (expected.get(view.product) ?? 0) + 1);
    }
    expect(expected.size).toBe(4_051);
    const rows = (await (await getCtr(server as RunningServer, { ...utcDay, platform: "mobileweb" })).json()) as {
      timestamp: string;
      product: string;
      productViews: number;
      purchases: number;
      CTR: number | null;
    }[];
    expect(rows).toHaveLength(expected.size);
    expect(new Set(rows.map((row) => row.timestamp))).toEqual(new Set(["2016-01-31 21:00:00"]));
    expect(Object.fromEntries(rows.map((row) => [row.product, row.productViews]))).toEqual(
      Object.fromEntries(expected),
    );
    expect(rows.every((row) => row.purchases === 0 && row.CTR === 0)).toBe(true);
  });

  it("answers the most viewed product, with its CTR written as 0.0000", async () => {
    const response = await getCtr(server as RunningServer, { ...utcDay, product: "20001829_048" });
    expect(await response.text()).toBe(
      '[\n{"timestamp":"2016-01-31 21:00:00","platform":"MobileWeb","product":"20001829_048","CTR":0.0000,"purchases":0,"productViews":204}\n]\n',
    );
  });
});
