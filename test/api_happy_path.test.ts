import { Agent, get } from "node:http";
import type { RunningServer } from "@ctr/query-api";
import { floorToMinute, formatGmt3WallClock, type Store } from "@ctr/schemas";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { getCtr, insertPurchases, insertViews, openTestApi, serveApi, truncateTables } from "./support/api_server.ts";

let store: Store;
let server: RunningServer;
let closeApi: () => Promise<void>;

beforeAll(async () => {
  ({ store, server, close: closeApi } = await openTestApi());
});
afterAll(async () => {
  await closeApi?.();
});
beforeEach(async () => {
  await truncateTables(store);
});

async function ctrRows(fields: Record<string, string | number>): Promise<unknown[]> {
  const response = await getCtr(server, fields);
  expect(response.status).toBe(200);
  return (await response.json()) as unknown[];
}

describe("GET /ctr buckets", () => {
  it("aligns 7-minute buckets at the start (10:03) and cuts the last one at the end", async () => {
    await insertViews(store, [
      { at: "2016-02-01 10:02", platform: "iOS", product: "A", count: 50 }, // before the range
      { at: "2016-02-01 10:03", platform: "iOS", product: "A", count: 2 },
      { at: "2016-02-01 10:09", platform: "iOS", product: "A", count: 3 },
      { at: "2016-02-01 10:10", platform: "iOS", product: "A", count: 1 },
      { at: "2016-02-01 10:16", platform: "iOS", product: "A", count: 4 },
      { at: "2016-02-01 10:17", platform: "iOS", product: "A", count: 1 },
      { at: "2016-02-01 10:19", platform: "iOS", product: "A", count: 2 },
      { at: "2016-02-01 10:20", platform: "iOS", product: "A", count: 100 }, // the end is excluded
    ]);
    await insertPurchases(store, [{ at: "2016-02-01 10:18", platform: "iOS", product: "A", count: 1 }]);
    const rows = await ctrRows({
      startTimestamp: "2016-02-01 10:03:00",
      endTimestamp: "2016-02-01 10:20:00",
      aggregation: 7,
    });
    expect(rows).toEqual([
      { timestamp: "2016-02-01 10:03:00", platform: "iOS", product: "A", CTR: 0, purchases: 0, productViews: 5 },
      { timestamp: "2016-02-01 10:10:00", platform: "iOS", product: "A", CTR: 0, purchases: 0, productViews: 5 },
      { timestamp: "2016-02-01 10:17:00", platform: "iOS", product: "A", CTR: 0.3333, purchases: 1, productViews: 3 },
    ]);
  });

  it("puts an event at 2016-02-01 02:59:59 UTC in the GMT-3 minute 2016-01-31 23:59", async () => {
    const eventMs = Date.UTC(2016, 1, 1, 2, 59, 59);
    const at = formatGmt3WallClock(floorToMinute(eventMs)).slice(0, 16);
    expect(at).toBe("2016-01-31 23:59");
    await insertViews(store, [{ at, platform: "Android", product: "P1", count: 4 }]);
    // The order is dated on the GMT-3 day 2016-01-31, a different partition than the view's folder day.
    await insertPurchases(store, [{ at: "2016-01-31 23:59", platform: "Android", product: "P1", count: 1 }]);
    const lastHour = { startTimestamp: "2016-01-31 23:00:00", endTimestamp: "2016-02-01 00:00:00" };
    expect(await ctrRows({ ...lastHour, aggregation: 1 })).toEqual([
      {
        timestamp: "2016-01-31 23:59:00",
        platform: "Android",
        product: "P1",
        CTR: 0.25,
        purchases: 1,
        productViews: 4,
      },
    ]);
    expect(await ctrRows({ ...lastHour, aggregation: 1440 })).toEqual([
      {
        timestamp: "2016-01-31 23:00:00",
        platform: "Android",
        product: "P1",
        CTR: 0.25,
        purchases: 1,
        productViews: 4,
      },
    ]);
    const nextDay = { startTimestamp: "2016-02-01 00:00:00", endTimestamp: "2016-02-02 00:00:00", aggregation: 60 };
    expect(await ctrRows(nextDay)).toEqual([]);
  });

  it("finds views that a folder of the next or previous UTC day holds (late or early files)", async () => {
    await insertViews(store, [
      { at: "2016-02-01 20:59", platform: "iOS", product: "A", count: 1, folderDay: "2016-02-02" },
      { at: "2016-02-01 21:00", platform: "iOS", product: "A", count: 2, folderDay: "2016-02-01" },
      { at: "2016-02-01 21:01", platform: "iOS", product: "A", count: 4 },
    ]);
    const rows = await ctrRows({
      startTimestamp: "2016-02-01 20:00:00",
      endTimestamp: "2016-02-01 22:00:00",
      aggregation: 120,
    });
    expect(rows).toEqual([
      { timestamp: "2016-02-01 20:00:00", platform: "iOS", product: "A", CTR: 0, purchases: 0, productViews: 7 },
    ]);
  });

  it("returns [] for a range without data", async () => {
    await insertViews(store, [{ at: "2016-02-01 10:00", platform: "iOS", product: "A", count: 1 }]);
    const response = await getCtr(server, {
      startTimestamp: "2016-03-01 00:00:00",
      endTimestamp: "2016-03-02 00:00:00",
      aggregation: 60,
    });
    expect(response.status).toBe(200);
    expect(JSON.parse(await response.text())).toEqual([]);
  });
});

describe("GET /ctr filters", () => {
  beforeEach(async () => {
    await insertViews(store, [
      { at: "2016-02-01 10:00", platform: "iOS", product: "A", count: 10 },
      { at: "2016-02-01 10:00", platform: "iOS", product: "B", count: 20 },
      { at: "2016-02-01 10:00", platform: "MobileWeb", product: "A", count: 30 },
      { at: "2016-02-01 10:00", platform: "Android", product: "A", count: 40 },
    ]);
  });
  const range = { startTimestamp: "2016-02-01 10:00:00", endTimestamp: "2016-02-01 11:00:00", aggregation: 60 };
  const pick = (rows: unknown[]) =>
    (rows as { platform: string; product: string }[]).map((r) => `${r.platform}/${r.product}`);

  it("keeps one product", async () => {
    expect(pick(await ctrRows({ ...range, product: "A" }))).toEqual(["Android/A", "MobileWeb/A", "iOS/A"]);
  });

  it("keeps one platform, named in any case", async () => {
    expect(pick(await ctrRows({ ...range, platform: "IOS" }))).toEqual(["iOS/A", "iOS/B"]);
    expect(pick(await ctrRows({ ...range, platform: "mobileweb" }))).toEqual(["MobileWeb/A"]);
  });

  it("combines both filters", async () => {
    expect(pick(await ctrRows({ ...range, platform: "ios", product: "B" }))).toEqual(["iOS/B"]);
    expect(await ctrRows({ ...range, platform: "Android", product: "B" })).toEqual([]);
  });
});

describe("GET /ctr CTR values", () => {
  it("writes four decimals, rounds half up, and gives null without views", async () => {
    const at = "2016-02-01 10:00";
    await insertViews(store, [
      { at, platform: "iOS", product: "half-up", count: 32 },
      { at, platform: "iOS", product: "low", count: 64 },
      { at, platform: "iOS", product: "many", count: 2 },
      { at, platform: "iOS", product: "no-sales", count: 100 },
      { at, platform: "iOS", product: "percent", count: 200 },
    ]);
    await insertPurchases(store, [
      { at, platform: "iOS", product: "half-up", count: 1 },
      { at, platform: "iOS", product: "low", count: 1 },
      { at, platform: "iOS", product: "many", count: 3 },
      { at, platform: "iOS", product: "no-views", count: 2 },
      { at, platform: "iOS", product: "percent", count: 3 },
    ]);
    const response = await getCtr(server, {
      startTimestamp: "2016-02-01 10:00:00",
      endTimestamp: "2016-02-01 10:01:00",
      aggregation: 1,
    });
    const text = await response.text();
    // The body's text, not the parsed numbers: JSON.parse would turn 0.0150 into 0.015.
    expect(text).toContain('"product":"half-up","CTR":0.0313,"purchases":1,"productViews":32');
    expect(text).toContain('"product":"low","CTR":0.0156,"purchases":1,"productViews":64');
    expect(text).toContain('"product":"many","CTR":1.5000,"purchases":3,"productViews":2');
    expect(text).toContain('"product":"no-sales","CTR":0.0000,"purchases":0,"productViews":100');
    expect(text).toContain('"product":"no-views","CTR":null,"purchases":2,"productViews":0');
    expect(text).toContain('"product":"percent","CTR":0.0150,"purchases":3,"productViews":200');
  });
});

describe("GET /ctr ordering", () => {
  it("orders by timestamp, platform, product in byte order", async () => {
    const rows = ["zed", "ABC", "abc", "Zed"].flatMap((product) =>
      (["iOS", "MobileWeb", "Android"] as const).flatMap((platform) => [
        { at: "2016-02-01 10:01", platform, product, count: 1 },
        { at: "2016-02-01 10:00", platform, product, count: 1 },
      ]),
    );
    await insertViews(store, rows);
    const body = (await ctrRows({
      startTimestamp: "2016-02-01 10:00:00",
      endTimestamp: "2016-02-01 10:02:00",
      aggregation: 1,
    })) as { timestamp: string; platform: string; product: string }[];
    const keys = body.map((r) => `${r.timestamp.slice(11, 16)} ${r.platform} ${r.product}`);
    const products = ["ABC", "Zed", "abc", "zed"];
    const expected = ["10:00", "10:01"].flatMap((t) =>
      ["Android", "MobileWeb", "iOS"].flatMap((p) => products.map((product) => `${t} ${p} ${product}`)),
    );
    expect(keys).toEqual(expected);
  });
});

describe("/ctr request and response forms", () => {
  beforeEach(async () => {
    await insertViews(store, [
      { at: "2016-02-01 10:00", platform: "iOS", product: "A", count: 200 },
      { at: "2016-02-01 10:05", platform: "Android", product: "B", count: 10 },
    ]);
    await insertPurchases(store, [
      { at: "2016-02-01 10:00", platform: "iOS", product: "A", count: 3 },
      { at: "2016-02-01 10:07", platform: "MobileWeb", product: "C", count: 1 },
    ]);
  });
  const fields = { startTimestamp: "2016-02-01 10:00:00", endTimestamp: "2016-02-01 11:00:00", aggregation: 60 };
  const expected = [
    { timestamp: "2016-02-01 10:00:00", platform: "Android", product: "B", CTR: 0, purchases: 0, productViews: 10 },
    { timestamp: "2016-02-01 10:00:00", platform: "MobileWeb", product: "C", CTR: null, purchases: 1, productViews: 0 },
    { timestamp: "2016-02-01 10:00:00", platform: "iOS", product: "A", CTR: 0.015, purchases: 3, productViews: 200 },
  ];

  it("answers a JSON array by default", async () => {
    const response = await getCtr(server, fields);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await response.json()).toEqual(expected);
  });

  it("answers POST with a JSON body, aggregation as a number or a numeric string", async () => {
    for (const aggregation of [60, "60"]) {
      const response = await fetch(`${server.url}/ctr`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ ...fields, aggregation }),
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual(expected);
    }
  });

  it("answers NDJSON for Accept: application/x-ndjson", async () => {
    const response = await getCtr(server, fields, { Accept: "application/x-ndjson" });
    expect(response.headers.get("content-type")).toMatch(/^application\/x-ndjson/);
    const lines = (await response.text()).split("\n").filter((line) => line !== "");
    expect(lines.map((line) => JSON.parse(line))).toEqual(expected);
    expect(lines[2]).toContain('"CTR":0.0150');
  });

  it("answers CSV for Accept: text/csv, with a header and an empty field for a null CTR", async () => {
    const response = await getCtr(server, fields, { Accept: "text/csv" });
    expect(response.headers.get("content-type")).toMatch(/^text\/csv/);
    expect((await response.text()).trimEnd().split("\n")).toEqual([
      '"timestamp","platform","product","CTR","purchases","productViews"',
      '"2016-02-01 10:00:00","Android","B",0.0000,0,10',
      '"2016-02-01 10:00:00","MobileWeb","C",,1,0',
      '"2016-02-01 10:00:00","iOS","A",0.0150,3,200',
    ]);
  });

  it("answers empty NDJSON and a header-only CSV for an empty range", async () => {
    const empty = { ...fields, startTimestamp: "2017-01-01 00:00:00", endTimestamp: "2017-01-02 00:00:00" };
    expect(await (await getCtr(server, empty, { Accept: "application/x-ndjson" })).text()).toBe("");
    const csv = await (await getCtr(server, empty, { Accept: "text/csv" })).text();
    expect(csv.trimEnd().split("\n")).toHaveLength(1);
  });
});

describe("large results", () => {
  it("sends every row in each format when the body takes many chunks", async () => {
    const products = Array.from({ length: 4_500 }, (_, i) => `P${String(i).padStart(5, "0")}`);
    await insertViews(
      store,
      products.map((product) => ({ at: "2016-02-01 10:00", platform: "Android" as const, product, count: 2 })),
    );
    const fields = { startTimestamp: "2016-02-01 10:00:00", endTimestamp: "2016-02-01 10:01:00", aggregation: 1 };
    const json = (await (await getCtr(server, fields)).json()) as { product: string }[];
    expect(json.map((row) => row.product)).toEqual(products);
    const ndjson = (await (await getCtr(server, fields, { Accept: "application/x-ndjson" })).text()).split("\n");
    expect(ndjson.filter((line) => line !== "").map((line) => JSON.parse(line).product)).toEqual(products);
    const csv = (await (await getCtr(server, fields, { Accept: "text/csv" })).text()).trimEnd().split("\n");
    expect(csv).toHaveLength(products.length + 1);
    expect(csv.at(-1)).toBe(`"2016-02-01 10:00:00","Android","P04499",0.0000,0,2`);
  });
});

describe("row limit", () => {
  it("refuses a result over MAX_RESULT_ROWS with a 422 that suggests filters, serves one at the limit whole", async () => {
    const limited = await serveApi(store, { maxResultRows: 2 });
    try {
      await insertViews(store, [
        { at: "2016-02-01 10:00", platform: "iOS", product: "A", count: 1 },
        { at: "2016-02-01 10:00", platform: "iOS", product: "B", count: 1 },
        { at: "2016-02-01 10:00", platform: "iOS", product: "C", count: 1 },
        { at: "2016-02-01 10:01", platform: "iOS", product: "A", count: 1 },
      ]);
      const fields = { startTimestamp: "2016-02-01 10:00:00", endTimestamp: "2016-02-01 11:00:00", aggregation: 60 };
      const refused = await getCtr(limited, fields);
      expect(refused.status).toBe(422);
      expect(refused.headers.get("Content-Type")).toMatch(/^application\/json/);
      const body = (await refused.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("result_too_large");
      expect(body.error.message).toMatch(/more than 2 rows.*filter/);
      // The limit counts the result's rows, not the rows read: A's two minutes make one row.
      const served = await getCtr(limited, { ...fields, product: "A" });
      expect(served.status).toBe(200);
      expect(await served.json()).toHaveLength(1);
      const atLimit = await getCtr(limited, { ...fields, aggregation: 1, product: "A" });
      expect(atLimit.status).toBe(200);
      expect(await atLimit.json()).toHaveLength(2);
    } finally {
      await limited.close();
    }
  });

  it("gives 422, never a cut 200, for a result over the limit that spans several of ClickHouse's blocks", async () => {
    // 70,001 rows: more than one output block (65,505 rows), so a server streaming its answer would
    // have sent 200 and the first block before the limit failed the statement.
    const limit = 70_000;
    const limited = await serveApi(store, { maxResultRows: limit });
    try {
      await insertViews(
        store,
        Array.from({ length: limit + 1 }, (_, i) => ({
          at: "2016-02-01 10:00",
          platform: "Android" as const,
          product: `P${String(i).padStart(6, "0")}`,
          count: 1,
        })),
      );
      const fields = { startTimestamp: "2016-02-01 10:00:00", endTimestamp: "2016-02-01 10:01:00", aggregation: 1 };
      for (const accept of [
        "application/json",
        "application/x-ndjson",
        "text/csv",
        "application/vnd.apache.arrow.stream",
      ]) {
        const refused = await getCtr(limited, fields, { Accept: accept });
        expect(refused.status).toBe(422);
        expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("result_too_large");
      }
      const served = await getCtr(limited, { ...fields, platform: "iOS" });
      expect(served.status).toBe(200);
      expect(await served.json()).toEqual([]);
    } finally {
      await limited.close();
    }
  });
});

describe("connections", () => {
  it("keeps an idle connection open for 65 s and says so (Keep-Alive), beyond Node's 5 s", async () => {
    const agent = new Agent({ keepAlive: true });
    try {
      const header = await new Promise<string | undefined>((resolve, reject) => {
        get(`${server.url}/healthz`, { agent }, (response) => {
          response.resume();
          response.on("end", () => resolve(String(response.headers["keep-alive"])));
        }).on("error", reject);
      });
      expect(header).toBe("timeout=65");
    } finally {
      agent.destroy();
    }
  });
});

describe("coverage, health and documentation", () => {
  it("lists loaded platform-days with their files and the purchase syncs", async () => {
    await store.client.insert({
      table: "ingested_files_v1",
      format: "JSONEachRow",
      values: [
        {
          day: "2016-02-01",
          platform: "iOS",
          file: "iOS/2016-02-01/a.json",
          size: 100,
          etag: "1",
          batches: 2,
          events: 10,
          views: 7,
          ignored: 3,
          malformed: 0,
          loaded_at: "2026-01-01 10:00:00.000",
        },
        {
          day: "2016-02-01",
          platform: "iOS",
          file: "iOS/2016-02-01/b.json",
          size: 50,
          etag: "2",
          batches: 1,
          events: 5,
          views: 4,
          ignored: 0,
          malformed: 1,
          loaded_at: "2026-01-01 10:00:01.000",
        },
        {
          day: "2016-02-02",
          platform: "Android",
          file: "Android/2016-02-02/a.json",
          size: 10,
          etag: "3",
          batches: 1,
          events: 1,
          views: 1,
          ignored: 0,
          malformed: 0,
          loaded_at: "2026-01-02 10:00:00.000",
        },
      ],
    });
    await store.client.insert({
      table: "purchase_syncs_v1",
      format: "JSONEachRow",
      values: [
        { day: "2016-02-01", order_items: 5, unmapped: 1, excluded: 0, synced_at: "2026-01-01 09:00:00.000" },
        { day: "2016-02-01", order_items: 6, unmapped: 1, excluded: 0, synced_at: "2026-01-01 11:00:00.000" },
      ],
    });
    const response = await fetch(`${server.url}/coverage?from=2016-02-01&to=2016-02-01`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { views: Record<string, unknown>[]; purchases: Record<string, unknown>[] };
    expect(body.views).toHaveLength(1);
    expect(body.views[0]).toMatchObject({
      platform: "iOS",
      day: "2016-02-01",
      files: 2,
      bytes: 150,
      events: 15,
      views: 11,
      ignored: 3,
      malformed: 1,
      loadedAt: "2026-01-01T10:00:01.000Z",
    });
    expect(body.views[0]?.fileList).toHaveLength(2);
    expect(body.purchases).toEqual([
      { day: "2016-02-01", orderItems: 6, unmapped: 1, excluded: 0, syncedAt: "2026-01-01T11:00:00.000Z" },
    ]);
    const all = (await (await fetch(`${server.url}/coverage`)).json()) as { views: unknown[] };
    expect(all.views).toHaveLength(2);
  });

  it("answers /healthz, /readyz, /metrics, /openapi.json and /docs", async () => {
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ status: "ok" });
    expect(await (await fetch(`${server.url}/readyz`)).json()).toEqual({ status: "ready", store: store.kind });
    await getCtr(server, {
      startTimestamp: "2016-02-01 10:00:00",
      endTimestamp: "2016-02-01 11:00:00",
      aggregation: 1,
    });
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/ctr_api_requests_total\{method="GET",route="\/ctr",status="200"\} \d+/);
    expect(metrics).toContain('ctr_api_clickhouse_query_duration_seconds_count{query="ctr_rows",outcome="ok"}');
    const openapi = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, { get?: { parameters?: { name: string; required: boolean }[] } }>;
    };
    expect(openapi.openapi).toBe("3.1.0");
    expect(openapi.paths["/ctr"]?.get?.parameters?.map((p) => [p.name, p.required])).toEqual([
      ["startTimestamp", true],
      ["endTimestamp", true],
      ["aggregation", true],
      ["product", false],
      ["platform", false],
    ]);
    const docs = await fetch(`${server.url}/docs`);
    expect(docs.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await docs.text()).toContain("startTimestamp");
  });
});
