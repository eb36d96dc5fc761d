/**
 * GET/POST /ctr/totals and GET /ctr/top on hand-made rows: the totals' sums, rounding, null, order,
 * formats and errors; the top list's ranking, minViews, platform filter, limit, and its Wilson score
 * interval against an independent computation (a JS implementation checked on Newcombe's textbook
 * values) on random data.
 */
import { Random } from "@ctr/jobs";
import { type CtrTopRow, PLATFORMS, type Platform } from "@ctr/schemas";
import { tableFromIPC } from "apache-arrow";
import { beforeEach, describe, expect, it } from "vitest";
import { getAnswer, insertPurchases, insertViews, type MinuteCount, useTestApi } from "./support/api_server.ts";

const api = useTestApi();

type Fields = Record<string, string | number>;

async function json(route: string, fields: Fields): Promise<unknown> {
  const response = await getAnswer(api.server, route, fields);
  const body: unknown = await response.json();
  expect(response.status, JSON.stringify(body)).toBe(200);
  return body;
}

async function refusal(route: string, fields: Fields): Promise<{ status: number; field?: string; message: string }> {
  const response = await getAnswer(api.server, route, fields);
  const { error } = (await response.json()) as { error: { code: string; field?: string; message: string } };
  expect(error.code).toBe("invalid_request");
  return {
    status: response.status,
    ...(error.field !== undefined ? { field: error.field } : {}),
    message: error.message,
  };
}

const HOURS = { startTimestamp: "2016-02-01 10:00:00", endTimestamp: "2016-02-01 12:00:00", aggregation: 60 };

describe("GET /ctr/totals", () => {
  beforeEach(async () => {
    await insertViews(api.store, [
      { at: "2016-02-01 10:05", platform: "iOS", product: "A", count: 20 },
      { at: "2016-02-01 10:06", platform: "iOS", product: "B", count: 12 },
      { at: "2016-02-01 10:07", platform: "Android", product: "A", count: 7 },
      { at: "2016-02-01 11:30", platform: "iOS", product: "C", count: 4 },
      { at: "2016-02-01 12:00", platform: "iOS", product: "A", count: 99 }, // the end is excluded
    ]);
    await insertPurchases(api.store, [
      { at: "2016-02-01 10:10", platform: "iOS", product: "B", count: 1 },
      { at: "2016-02-01 11:59", platform: "MobileWeb", product: "Z", count: 2 }, // purchases, no views
    ]);
  });

  it("sums every product per (bucket, platform), rounds CTR half up from the sums, null without views, in order", async () => {
    expect(await json("/ctr/totals", HOURS)).toEqual([
      { timestamp: "2016-02-01 10:00:00", platform: "Android", CTR: 0, purchases: 0, productViews: 7 },
      // 1 / 32 = 0.03125: half up is 0.0313.
      { timestamp: "2016-02-01 10:00:00", platform: "iOS", CTR: 0.0313, purchases: 1, productViews: 32 },
      { timestamp: "2016-02-01 11:00:00", platform: "MobileWeb", CTR: null, purchases: 2, productViews: 0 },
      { timestamp: "2016-02-01 11:00:00", platform: "iOS", CTR: 0, purchases: 0, productViews: 4 },
    ]);
    const body = await (await getAnswer(api.server, "/ctr/totals", HOURS)).text();
    expect(body).toContain('"CTR":0.0313');
    expect(await json("/ctr/totals", { ...HOURS, platform: "ios" })).toEqual([
      { timestamp: "2016-02-01 10:00:00", platform: "iOS", CTR: 0.0313, purchases: 1, productViews: 32 },
      { timestamp: "2016-02-01 11:00:00", platform: "iOS", CTR: 0, purchases: 0, productViews: 4 },
    ]);
  });

  it("answers POST with the same rows, and the same rows in NDJSON, CSV and Arrow", async () => {
    const rows = (await json("/ctr/totals", HOURS)) as Record<string, unknown>[];
    const posted = await fetch(`${api.server.url}/ctr/totals`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(HOURS),
    });
    expect(await posted.json()).toEqual(rows);
    const ndjson = await (await getAnswer(api.server, "/ctr/totals", HOURS, { Accept: "application/x-ndjson" })).text();
    expect(
      ndjson
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line)),
    ).toEqual(rows);
    const csv = await (await getAnswer(api.server, "/ctr/totals", HOURS, { Accept: "text/csv" })).text();
    expect(csv.trim().split("\n")).toEqual([
      '"timestamp","platform","CTR","purchases","productViews"',
      '"2016-02-01 10:00:00","Android",0.0000,0,7',
      '"2016-02-01 10:00:00","iOS",0.0313,1,32',
      '"2016-02-01 11:00:00","MobileWeb",,2,0',
      '"2016-02-01 11:00:00","iOS",0.0000,0,4',
    ]);
    const arrow = await getAnswer(api.server, "/ctr/totals", HOURS, { Accept: "application/vnd.apache.arrow.stream" });
    const table = tableFromIPC(new Uint8Array(await arrow.arrayBuffer()));
    expect(table.schema.fields.map((field) => field.name)).toEqual([
      "timestamp",
      "platform",
      "CTR",
      "purchases",
      "productViews",
    ]);
    expect(table.toArray().map((row: { productViews: bigint }) => Number(row.productViews))).toEqual(
      rows.map((row) => row.productViews),
    );
  });

  it("refuses product and bad fields with 400 naming the field", async () => {
    expect(await refusal("/ctr/totals", { ...HOURS, product: "A" })).toMatchObject({ status: 400, field: "product" });
    const zero = await refusal("/ctr/totals", { ...HOURS, aggregation: 0 });
    expect(zero).toMatchObject({ status: 400, field: "aggregation" });
    expect(zero.message).toMatch(/^aggregation must be a positive whole number/);
    expect(await refusal("/ctr/totals", { ...HOURS, endTimestamp: HOURS.startTimestamp })).toMatchObject({
      status: 400,
      field: "endTimestamp",
    });
    expect(await refusal("/ctr/totals", { ...HOURS, platform: "Windows" })).toMatchObject({ field: "platform" });
  });
});

const Z = 1.959963984540054;

/** The 95% Wilson score interval, computed in JS (the reference the API is checked against). */
function wilson(successes: number, trials: number): [number, number] {
  const p = Math.min(successes, trials) / trials;
  const z2 = Z * Z;
  const centre = p + z2 / (2 * trials);
  const margin = Z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  const denominator = 1 + z2 / trials;
  return [(centre - margin) / denominator, (centre + margin) / denominator];
}

const halfUp4 = (x: number) => Math.floor(x * 10_000 + 0.5) / 10_000;

describe("the reference Wilson interval", () => {
  // Newcombe (1998), Statistics in Medicine 17:857-872, Table I, method 3 (score, no continuity correction).
  it.each([
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0, 0.1611],
    [1, 29, 0.0061, 0.1718],
  ])("gives the textbook interval for %i of %i", (s, n, low, high) => {
    expect(wilson(s, n).map(halfUp4)).toEqual([low, high]);
  });
});

/** The top list computed in JS from the rows inserted: sums, CTR, interval, ranking, ties by byte order. */
function expectedTop(
  views: readonly MinuteCount[],
  purchases: readonly MinuteCount[],
  {
    by,
    limit,
    minViews = 0,
    platform,
  }: { by: "views" | "purchases" | "ctr"; limit: number; minViews?: number; platform?: Platform },
): CtrTopRow[] {
  const sums = new Map<string, { views: number; purchases: number }>();
  const add = (rows: readonly MinuteCount[], key: "views" | "purchases") => {
    for (const row of rows) {
      if (platform && row.platform !== platform) continue;
      const sum = sums.get(row.product) ?? { views: 0, purchases: 0 };
      sum[key] += row.count;
      sums.set(row.product, sum);
    }
  };
  add(views, "views");
  add(purchases, "purchases");
  const rows = [...sums]
    .filter(([, sum]) => sum.views >= minViews)
    .map(([product, { views: v, purchases: p }]): CtrTopRow => {
      const interval = v === 0 ? null : wilson(p, v).map(halfUp4);
      return {
        product,
        CTR: v === 0 ? null : Math.floor((p * 20_000 + v) / (2 * v)) / 10_000,
        ctrLow: interval?.[0] ?? null,
        ctrHigh: interval?.[1] ?? null,
        purchases: p,
        productViews: v,
      };
    });
  const key = (row: CtrTopRow) =>
    by === "views" ? row.productViews : by === "purchases" ? row.purchases : (row.ctrLow ?? Number.NEGATIVE_INFINITY);
  const bytes = (text: string) => Buffer.from(text, "utf8");
  return rows.sort((a, b) => key(b) - key(a) || Buffer.compare(bytes(a.product), bytes(b.product))).slice(0, limit);
}

const WEEK = { startTimestamp: "2016-02-01 00:00:00", endTimestamp: "2016-02-08 00:00:00" };

describe("GET /ctr/top", () => {
  it("ranks random products by views, purchases and ctrLow as an independent computation does", async () => {
    const random = Random.derive("api-top", "random");
    // Byte order differs from locale order: upper case before lower, "é" after "z".
    const products = Array.from({ length: 60 }, (_, i) => `${["P", "p", "é", "Q"][i % 4]}${i % 7}_${i % 5}`);
    const views: MinuteCount[] = [];
    const purchases: MinuteCount[] = [];
    for (const product of new Set(products)) {
      for (let k = 0; k < 1 + (random.uint32() % 3); k++) {
        const platform = PLATFORMS[random.uint32() % 3] as Platform;
        const day = 1 + (random.uint32() % 7);
        const at = `2016-02-0${day} ${String(random.uint32() % 24).padStart(2, "0")}:${String(random.uint32() % 60).padStart(2, "0")}`;
        // Small counts: many ties, thin evidence, and a purchase more than the views now and then.
        const viewed = random.uint32() % 5 === 0 ? 0 : 1 + (random.uint32() % (random.uint32() % 2 ? 4 : 400));
        if (viewed > 0) views.push({ at, platform, product, count: viewed });
        const bought = random.uint32() % 3 === 0 ? 0 : random.uint32() % Math.max(2, Math.ceil(viewed / 8) + 2);
        if (bought > 0) purchases.push({ at, platform, product, count: bought });
      }
    }
    await insertViews(api.store, views);
    await insertPurchases(api.store, purchases);
    for (const by of ["views", "purchases", "ctr"] as const) {
      const variants: { limit: number; minViews?: number; platform?: Platform }[] = [
        { limit: 1000 },
        { limit: 7 },
        { limit: 20, minViews: 30 },
        { limit: 50, platform: "Android" },
      ];
      for (const options of variants) {
        const expected = expectedTop(views, purchases, { by, ...options });
        expect(expected.length).toBeGreaterThan(0);
        const fields: Fields = { ...WEEK, by, ...options } as Fields;
        expect(await json("/ctr/top", fields), `${by} ${JSON.stringify(options)}`).toEqual(expected);
      }
    }
  });

  it("puts thin evidence below a well-supported CTR, and caps purchases at the views in the interval", async () => {
    await insertViews(api.store, [
      { at: "2016-02-01 10:00", platform: "iOS", product: "lucky", count: 1 },
      { at: "2016-02-01 10:00", platform: "iOS", product: "steady", count: 263 },
      { at: "2016-02-02 10:00", platform: "iOS", product: "bargain", count: 2 },
    ]);
    await insertPurchases(api.store, [
      { at: "2016-02-01 10:00", platform: "iOS", product: "lucky", count: 1 },
      { at: "2016-02-01 10:00", platform: "iOS", product: "steady", count: 81 },
      { at: "2016-02-02 10:00", platform: "iOS", product: "bargain", count: 3 },
      { at: "2016-02-02 10:00", platform: "iOS", product: "unseen", count: 1 },
    ]);
    expect(await json("/ctr/top", { ...WEEK, by: "ctr", limit: 10 })).toEqual([
      { product: "bargain", CTR: 1.5, ctrLow: 0.3424, ctrHigh: 1, purchases: 3, productViews: 2 },
      { product: "steady", CTR: 0.308, ctrLow: 0.2553, ctrHigh: 0.3662, purchases: 81, productViews: 263 },
      { product: "lucky", CTR: 1, ctrLow: 0.2065, ctrHigh: 1, purchases: 1, productViews: 1 },
      { product: "unseen", CTR: null, ctrLow: null, ctrHigh: null, purchases: 1, productViews: 0 },
    ]);
    const text = await (await getAnswer(api.server, "/ctr/top", { ...WEEK, by: "ctr", limit: 1, minViews: 3 })).text();
    expect(text).toBe(
      '[\n{"product":"steady","CTR":0.3080,"ctrLow":0.2553,"ctrHigh":0.3662,"purchases":81,"productViews":263}\n]\n',
    );
  });

  it("refuses a missing or bad by, limit and minViews with 400 naming the field", async () => {
    const base = { ...WEEK, by: "views", limit: 10 };
    expect(await refusal("/ctr/top", { ...WEEK, limit: 10 })).toMatchObject({ status: 400, field: "by" });
    expect(await refusal("/ctr/top", { ...base, by: "CTR" })).toMatchObject({ field: "by" });
    expect(await refusal("/ctr/top", { ...WEEK, by: "views" })).toMatchObject({ field: "limit" });
    for (const limit of ["0", "1001", "-1", "2.5", "ten"]) {
      const refused = await refusal("/ctr/top", { ...base, limit });
      expect(refused, limit).toMatchObject({ status: 400, field: "limit" });
      expect(refused.message).toBe(`limit must be a whole number 1..1000, got ${JSON.stringify(limit)}`);
    }
    expect(await refusal("/ctr/top", { ...base, minViews: "-3" })).toMatchObject({ field: "minViews" });
    expect(await refusal("/ctr/top", { ...base, aggregation: 60 })).toMatchObject({ field: "aggregation" });
    expect(await refusal("/ctr/top", { ...base, platform: "Windows" })).toMatchObject({ field: "platform" });
    expect(await refusal("/ctr/top", { ...base, endTimestamp: WEEK.startTimestamp })).toMatchObject({
      field: "endTimestamp",
    });
    expect(await json("/ctr/top", { ...base, limit: 1000 })).toEqual([]);
  });
});
