// Accept: application/vnd.apache.arrow.stream gives the JSON answer's rows as an Arrow IPC stream,
// read back here with apache-arrow. Runs embedded and against a ClickHouse server (vitest.config.ts).
import type { RunningServer } from "@ctr/query-api";
import type { Store } from "@ctr/schemas";
import { type Table, tableFromIPC, util } from "apache-arrow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getCtr, insertPurchases, insertViews, openTestApi } from "./support/api_server.ts";

const ARROW = "application/vnd.apache.arrow.stream";
const DAY = "2016-02-01";
const RANGE = { startTimestamp: `${DAY} 09:00:00`, endTimestamp: `${DAY} 12:00:00`, aggregation: 30 };

let store: Store;
let server: RunningServer;
let closeApi: () => Promise<void>;

beforeAll(async () => {
  ({ store, server, close: closeApi } = await openTestApi());
  await insertViews(store, [
    { at: `${DAY} 09:10`, platform: "iOS", product: "half-up", count: 32 },
    { at: `${DAY} 09:10`, platform: "Android", product: "bought-more", count: 2 },
    { at: `${DAY} 10:45`, platform: "MobileWeb", product: "no-sales", count: 100 },
    { at: `${DAY} 11:59`, platform: "iOS", product: "ü-ñ-日本", count: 7 },
  ]);
  await insertPurchases(store, [
    { at: `${DAY} 09:15`, platform: "iOS", product: "half-up", count: 1 },
    { at: `${DAY} 09:20`, platform: "Android", product: "bought-more", count: 3 },
    { at: `${DAY} 10:00`, platform: "iOS", product: "not-viewed", count: 2 },
    { at: `${DAY} 11:59`, platform: "iOS", product: "ü-ñ-日本", count: 1 },
  ]);
});
afterAll(async () => {
  await closeApi?.();
});

async function arrowTable(response: Response): Promise<Table> {
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe(ARROW);
  return tableFromIPC(new Uint8Array(await response.arrayBuffer()));
}

/** A Decimal128 of scale 4 as the number its four-decimal text is (null stays null). */
function decimal4(value: unknown): number | null {
  if (value === null) return null;
  const digits = util.bigNumToString(value as Parameters<typeof util.bigNumToString>[0]).padStart(5, "0");
  return Number(`${digits.slice(0, -4)}.${digits.slice(-4)}`);
}

/** The Arrow rows in the JSON answer's shape: counts from Uint64 (bigint), CTR from its decimal. */
function asJsonRows(table: Table): unknown[] {
  return table.toArray().map((row: Record<string, unknown>) => ({
    timestamp: row.timestamp,
    platform: row.platform,
    product: row.product,
    CTR: decimal4(row.CTR),
    purchases: Number(row.purchases as bigint),
    productViews: Number(row.productViews as bigint),
  }));
}

describe("GET /ctr as Arrow", () => {
  it("has the JSON answer's rows, row for row, with typed columns", async () => {
    const json = (await (await getCtr(server, RANGE)).json()) as unknown[];
    const table = await arrowTable(await getCtr(server, RANGE, { Accept: ARROW }));
    expect(table.schema.fields.map((f) => `${f.name}: ${f.type}${f.nullable ? "?" : ""}`)).toEqual([
      "timestamp: Utf8",
      "platform: Utf8",
      "product: Utf8",
      "CTR: Decimal[38e+4]?",
      "purchases: Uint64",
      "productViews: Uint64",
    ]);
    expect(json).toHaveLength(5);
    expect(asJsonRows(table)).toEqual(json);
    // The rounding is the JSON's: 1/32 half up, 3/2 over 1, no views no CTR.
    expect((json as { CTR: number | null }[]).map((row) => row.CTR)).toEqual([1.5, 0.0313, null, 0, 0.1429]);
  });

  it("answers POST and filters alike, and an empty result with the schema and no rows", async () => {
    const posted = await fetch(`${server.url}/ctr`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: ARROW },
      body: JSON.stringify({ ...RANGE, platform: "ios" }),
    });
    const json = (await (await getCtr(server, { ...RANGE, platform: "iOS" })).json()) as unknown[];
    expect(asJsonRows(await arrowTable(posted))).toEqual(json);
    const empty = await arrowTable(await getCtr(server, { ...RANGE, product: "nothing" }, { Accept: ARROW }));
    expect(empty.numRows).toBe(0);
    expect(empty.schema.fields.map((f) => f.name)).toEqual([
      "timestamp",
      "platform",
      "product",
      "CTR",
      "purchases",
      "productViews",
    ]);
  });

  it("keeps errors JSON whatever Accept asks", async () => {
    const bad = await getCtr(server, { ...RANGE, aggregation: 0 }, { Accept: ARROW });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toMatch(/^application\/json/);
    expect(((await bad.json()) as { error: { field: string } }).error.field).toBe("aggregation");
  });
});
