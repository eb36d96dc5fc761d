import path from "node:path";
import { InProcessSubmitter } from "@ctr/jobs";
import { chooseCtrTables, type RunningServer, tablesRead, toApiConfig } from "@ctr/query-api";
import { loadConfig, parseCtrRequest, recordDataChange, runCommand, type Store } from "@ctr/schemas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  getCtr,
  insertViews,
  openTestApi,
  openUnreachableStore,
  serveApi,
  truncateTables,
} from "./support/api_server.ts";
import { removeDir, tempDir } from "./support/ingest_fixtures.ts";

let store: Store;
let server: RunningServer;
let closeApi: () => Promise<void>;

beforeAll(async () => {
  ({ store, server, close: closeApi } = await openTestApi());
  await truncateTables(store);
  await insertViews(store, [{ at: "2016-02-01 10:00", platform: "iOS", product: "A", count: 3 }]);
});
afterAll(async () => {
  await closeApi?.();
});

const valid = { startTimestamp: "2016-02-01 10:00:00", endTimestamp: "2016-02-01 11:00:00", aggregation: "60" };

interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

async function expectInvalid(response: Response, field: string, message?: RegExp): Promise<void> {
  expect(response.status).toBe(400);
  const body = (await response.json()) as ErrorBody;
  expect(body.error.code).toBe("invalid_request");
  expect(body.error.field).toBe(field);
  if (message) expect(body.error.message).toMatch(message);
}

function query(fields: Record<string, string>): string {
  return `${server.url}/ctr?${new URLSearchParams(fields)}`;
}

function post(body: string): Promise<Response> {
  return fetch(`${server.url}/ctr`, { method: "POST", headers: { "Content-Type": "application/json" }, body });
}

describe("bad input gets a 400 naming the field", () => {
  const cases: [string, Record<string, string>, string, RegExp][] = [
    ["a missing start", { endTimestamp: valid.endTimestamp, aggregation: "60" }, "startTimestamp", /required/],
    ["a missing end", { startTimestamp: valid.startTimestamp, aggregation: "60" }, "endTimestamp", /required/],
    ["a missing aggregation", { ...valid, aggregation: undefined as unknown as string }, "aggregation", /required/],
    ["an ISO timestamp", { ...valid, startTimestamp: "2016-02-01T10:00:00Z" }, "startTimestamp", /YYYY-MM-DD/],
    ["a date without time", { ...valid, endTimestamp: "2016-02-02" }, "endTimestamp", /YYYY-MM-DD HH:MM:SS/],
    ["a day that does not exist", { ...valid, startTimestamp: "2016-02-30 10:00:00" }, "startTimestamp", /real/],
    ["hour 24", { ...valid, endTimestamp: "2016-02-01 24:00:00" }, "endTimestamp", /real/],
    ["seconds other than 00", { ...valid, startTimestamp: "2016-02-01 10:00:30" }, "startTimestamp", /seconds 00/],
    ["an end before the start", { ...valid, endTimestamp: "2016-02-01 09:00:00" }, "endTimestamp", /after/],
    ["an end equal to the start", { ...valid, endTimestamp: valid.startTimestamp }, "endTimestamp", /after/],
    ["aggregation 0", { ...valid, aggregation: "0" }, "aggregation", /positive whole number/],
    ["a negative aggregation", { ...valid, aggregation: "-5" }, "aggregation", /positive whole number/],
    ["a fractional aggregation", { ...valid, aggregation: "1.5" }, "aggregation", /positive whole number/],
    ["a word for aggregation", { ...valid, aggregation: "hourly" }, "aggregation", /positive whole number/],
    ["a huge aggregation", { ...valid, aggregation: "99999999999999999999" }, "aggregation", /positive whole/],
    ["an unknown platform", { ...valid, platform: "Windows" }, "platform", /iOS/],
    ["an empty platform", { ...valid, platform: "" }, "platform", /iOS/],
    ["an empty product", { ...valid, product: "" }, "product", /empty/],
    ["an overlong product", { ...valid, product: "x".repeat(300) }, "product", /at most/],
    ["an unknown parameter", { ...valid, platfrom: "iOS" }, "platfrom", /not a parameter/],
  ];
  for (const [name, fields, field, message] of cases) {
    it(`GET: ${name}`, async () => {
      const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
      await expectInvalid(await fetch(query(defined)), field, message);
    });
  }

  it("GET: a parameter given twice", async () => {
    await expectInvalid(await fetch(`${query(valid)}&platform=iOS&platform=Android`), "platform", /once/);
  });

  it("POST: a body that is not JSON, or not an object", async () => {
    await expectInvalid(await post("startTimestamp=2016-02-01"), "body", /JSON object/);
    await expectInvalid(await post("[]"), "body", /JSON object/);
    await expectInvalid(await post("null"), "body", /JSON object/);
    await expectInvalid(await post(""), "body", /JSON object/);
  });

  it("POST: fields of the wrong type", async () => {
    await expectInvalid(await post(JSON.stringify({ ...valid, aggregation: true })), "aggregation");
    await expectInvalid(await post(JSON.stringify({ ...valid, aggregation: 2.5 })), "aggregation");
    await expectInvalid(await post(JSON.stringify({ ...valid, startTimestamp: 1454320800000 })), "startTimestamp");
    await expectInvalid(await post(JSON.stringify({ ...valid, product: ["A", "B"] })), "product");
    await expectInvalid(await post(JSON.stringify({ ...valid, platform: null })), "platform");
    await expectInvalid(await post(JSON.stringify({ ...valid, extra: 1 })), "extra", /not a field of \/ctr/);
  });

  it("counts bad requests in the metrics by route and status", async () => {
    await fetch(query({ ...valid, aggregation: "0" }));
    await fetch(`${server.url}/no/such/route`);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/ctr_api_requests_total\{method="GET",route="\/ctr",status="400"\} [1-9]/);
    expect(metrics).toMatch(/ctr_api_requests_total\{method="GET",route="unmatched",status="404"\} [1-9]/);
  });

  it("/coverage: a bad day or platform", async () => {
    await expectInvalid(await fetch(`${server.url}/coverage?from=2016-13-01`), "from");
    await expectInvalid(await fetch(`${server.url}/coverage?platform=tv`), "platform");
  });

  it("the range bounds its message names are the ones it holds (GMT-3 wall clock, both included)", async () => {
    const last = { startTimestamp: "2105-12-31 00:00:00", endTimestamp: "2105-12-31 23:59:00", aggregation: "60" };
    const atLast = await fetch(query(last));
    expect(atLast.status).toBe(200);
    expect(await atLast.json()).toEqual([]);
    const bounds = /between 1970-01-02 00:00:00 and 2105-12-31 23:59:00 \(GMT-3\)/;
    await expectInvalid(await fetch(query({ ...last, endTimestamp: "2106-01-01 00:00:00" })), "endTimestamp", bounds);
    const first = { startTimestamp: "1970-01-02 00:00:00", endTimestamp: "1970-01-02 01:00:00", aggregation: "60" };
    expect((await fetch(query(first))).status).toBe(200);
    await expectInvalid(
      await fetch(query({ ...first, startTimestamp: "1970-01-01 23:00:00" })),
      "startTimestamp",
      bounds,
    );
  });
});

describe("every route refuses what it does not know, the same way", () => {
  const range = `startTimestamp=${encodeURIComponent(valid.startTimestamp)}&endTimestamp=${encodeURIComponent(valid.endTimestamp)}`;

  it("GET /ctr: numbers and platforms padded with blanks", async () => {
    for (const padded of ["%2060%20", "60%20", "%2060", "+60", "%0960"]) {
      await expectInvalid(
        await fetch(`${server.url}/ctr?${range}&aggregation=${padded}`),
        "aggregation",
        /positive whole number/,
      );
    }
    await expectInvalid(await fetch(`${server.url}/ctr?${range}&aggregation=60&platform=%20iOS`), "platform", /iOS/);
  });

  it("GET /ctr: keys an object would swallow or inherit are unknown parameters", async () => {
    for (const key of ["__proto__", "constructor", "toString", "hasOwnProperty", "__proto__%5Bx%5D"]) {
      const response = await fetch(`${server.url}/ctr?${range}&aggregation=60&${key}=x`);
      await expectInvalid(response, decodeURIComponent(key), /is not a parameter of \/ctr; expected startTimestamp/);
    }
    await expectInvalid(await fetch(`${server.url}/ctr?__proto__=x&${range}&aggregation=60`), "__proto__");
  });

  it("POST /ctr: padded numbers, repeated or prototype-ish fields, and parameters in the query string", async () => {
    await expectInvalid(await post(JSON.stringify({ ...valid, aggregation: " 60 " })), "aggregation");
    const twice = `{"startTimestamp":"${valid.startTimestamp}","endTimestamp":"${valid.endTimestamp}","aggregation":60,"aggregation":1}`;
    await expectInvalid(await post(twice), "aggregation", /given once/);
    await expectInvalid(await post(JSON.stringify({ ...valid, constructor: 1 })), "constructor", /not a field/);
    await expectInvalid(await post(`{"__proto__":1,"startTimestamp":"${valid.startTimestamp}"}`), "__proto__");
    const queried = await fetch(`${server.url}/ctr?platform=iOS`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(valid),
    });
    await expectInvalid(queried, "platform", /JSON body/);
  });

  it("/products: prototype-ish and repeated parameters, padded numbers and platforms", async () => {
    const products = (search: string) => fetch(`${server.url}/products?${search}`);
    await expectInvalid(await products("__proto__=x"), "__proto__", /not a parameter of \/products/);
    await expectInvalid(await products("constructor=x"), "constructor");
    await expectInvalid(await products("prefix=A&prefix=B"), "prefix", /given once/);
    await expectInvalid(await products("limit=%2010"), "limit");
    await expectInvalid(await products("platform=iOS%20"), "platform");
    expect((await products("prefix=A&platform=ios&limit=10")).status).toBe(200);
  });

  it("/coverage: unknown, repeated and prototype-ish parameters, from after to, days ClickHouse cannot hold", async () => {
    const coverage = (search: string) => fetch(`${server.url}/coverage?${search}`);
    await expectInvalid(
      await coverage("form=2016-02-01"),
      "form",
      /not a parameter of \/coverage; expected from, to, platform/,
    );
    await expectInvalid(await coverage("__proto__=x"), "__proto__");
    await expectInvalid(await coverage("from=2016-02-01&from=2016-02-02"), "from", /given once/);
    await expectInvalid(
      await coverage("from=2016-02-02&to=2016-02-01"),
      "to",
      /from 2016-02-02 is after to 2016-02-01/,
    );
    await expectInvalid(await coverage("from=1900-01-01"), "from", /between 1970-01-01 and 2149-06-06/);
    await expectInvalid(await coverage("to=2200-01-01"), "to", /between 1970-01-01 and 2149-06-06/);
    await expectInvalid(await coverage("platform=%20iOS"), "platform");
    const day = await coverage("from=2016-02-01&to=2016-02-01&platform=ios");
    expect(day.status).toBe(200);
    expect(await day.json()).toEqual({ views: [], purchases: [], emptyDays: [] });
  });
});

describe("SQL injection attempts are harmless", () => {
  const attempts = [
    "A' OR '1'='1",
    "A'); DROP TABLE product_views_per_minute_v1; --",
    "A} OR 1=1 --",
    "{product:String}",
    "A\\' OR 1=1 --",
    "A\nUNION ALL SELECT * FROM system.tables",
  ];
  for (const product of attempts) {
    it(`product ${JSON.stringify(product)} matches nothing and breaks nothing`, async () => {
      const response = await getCtr(server, { ...valid, product });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual([]);
    });
  }

  it("odd bytes in the query string never give a 5xx", async () => {
    const range = new URLSearchParams({ startTimestamp: valid.startTimestamp, endTimestamp: valid.endTimestamp });
    const odd = ["product=%FF", "product=%00", "product=%E2%82", "product=%", "platform=%FFios"];
    for (const raw of [...odd.map((p) => `aggregation=60&${p}`), "aggregation=%C2%B360", "aggregation=%FF"]) {
      const response = await fetch(`${server.url}/ctr?${range}&${raw}`);
      expect(response.status, raw).toBeLessThan(500);
    }
    const proto = await post(`{"__proto__":{"x":1},"startTimestamp":"2016-02-01 10:00:00"}`);
    expect(proto.status).toBe(400);
  });

  it("injection through the other fields is a 400", async () => {
    await expectInvalid(await getCtr(server, { ...valid, platform: "iOS' OR 1=1 --" }), "platform");
    await expectInvalid(await getCtr(server, { ...valid, aggregation: "60; DROP TABLE x" }), "aggregation");
    await expectInvalid(
      await getCtr(server, { ...valid, startTimestamp: "2016-02-01 10:00:00' OR 1=1 --" }),
      "startTimestamp",
    );
  });

  it("leaves the tables and their data in place", async () => {
    const response = await getCtr(server, valid);
    expect(await response.json()).toEqual([
      { timestamp: "2016-02-01 10:00:00", platform: "iOS", product: "A", CTR: 0, purchases: 0, productViews: 3 },
    ]);
  });
});

describe("failures", () => {
  it("answers an unknown route with a JSON 404", async () => {
    const response = await fetch(`${server.url}/nope`);
    expect(response.status).toBe(404);
    expect(((await response.json()) as ErrorBody).error.code).toBe("not_found");
    expect((await fetch(`${server.url}/ctr`, { method: "DELETE" })).status).toBe(404);
  });

  it("answers 503 with a clear message when ClickHouse is unreachable, and /healthz stays up", async () => {
    const down = openUnreachableStore();
    const downServer = await serveApi(down);
    try {
      const response = await getCtr(downServer, valid);
      expect(response.status).toBe(503);
      const body = (await response.json()) as ErrorBody;
      expect(body.error.code).toBe("store_unavailable");
      expect(body.error.message).toMatch(/ClickHouse.*unreachable/);
      expect((await fetch(`${downServer.url}/readyz`)).status).toBe(503);
      expect((await fetch(`${downServer.url}/coverage`)).status).toBe(503);
      expect((await fetch(`${downServer.url}/healthz`)).status).toBe(200);
    } finally {
      await downServer.close();
      await down.close();
    }
  });

  it("answers a failing query with a 500 that says nothing internal, and the request id", async () => {
    // The table the request reads (the hourly CTR rollup: it falls on whole hours).
    const parsed = parseCtrRequest(valid);
    if (!parsed.ok) throw new Error(parsed.error.message);
    const [table] = tablesRead(chooseCtrTables(parsed.request));
    await runCommand(store.client, { name: "hide table", query: `RENAME TABLE ${table} TO ${table}_hidden` });
    // As any change of the tables: the answers kept from before are not served.
    await recordDataChange(store);
    try {
      const response = await getCtr(server, valid, { "X-Request-Id": "test-500" });
      expect(response.status).toBe(500);
      expect(response.headers.get("x-request-id")).toBe("test-500");
      const text = await response.text();
      expect(JSON.parse(text)).toEqual({ error: { code: "internal_error", message: "internal error" } });
      expect(text).not.toMatch(/ctr_per_|purchases_per_|UNKNOWN_TABLE|Exception/);
    } finally {
      await runCommand(store.client, { name: "restore table", query: `RENAME TABLE ${table}_hidden TO ${table}` });
    }
  });

  it("answers 504 when a request outlives REQUEST_TIMEOUT_MS", async () => {
    const hurried = await serveApi(store, { requestTimeoutMs: 1 });
    try {
      const response = await getCtr(hurried, { ...valid, endTimestamp: "2016-03-01 00:00:00", aggregation: "1" });
      expect(response.status).toBe(504);
      expect(((await response.json()) as ErrorBody).error.code).toBe("timeout");
    } finally {
      await hurried.close();
    }
  });
});

describe("POST /jobs/backfill and GET /jobs/:id", () => {
  let dir: string;
  let jobsServer: RunningServer;
  let jobs: InProcessSubmitter;

  beforeAll(async () => {
    dir = await tempDir("api-jobs");
    // The source folder is missing: a backfill fails, naming it (in the log, not to the client).
    const config = loadConfig({ CTR_DATA_DIR: dir, EVENTS_SOURCE: path.join(dir, "missing-source") });
    jobs = new InProcessSubmitter(config, store);
    jobsServer = await serveApi(store, toApiConfig(config), jobs);
  });
  afterAll(async () => {
    await jobs?.idle();
    await jobsServer?.close();
    await removeDir(dir);
  });

  const submit = (body: string, search = "") =>
    fetch(`${jobsServer.url}/jobs/backfill${search}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body,
    });
  const range = { from: "2016-02-01", to: "2016-02-01" };

  it("refuses unknown, repeated and prototype-ish fields, naming them", async () => {
    await expectInvalid(
      await submit(JSON.stringify({ ...range, source: "/etc" })),
      "source",
      /source is not a field of \/jobs\/backfill; expected from, to, platform, allowEmpty/,
    );
    await expectInvalid(await submit(JSON.stringify({ ...range, platfrom: "iOS" })), "platfrom");
    await expectInvalid(await submit(JSON.stringify({ ...range, constructor: 1 })), "constructor");
    await expectInvalid(
      await submit(`{"__proto__":{"source":"/etc"},"from":"2016-02-01","to":"2016-02-01"}`),
      "__proto__",
    );
    await expectInvalid(await submit(`{"from":"2016-02-01","to":"2016-02-01","to":"2016-02-02"}`), "to", /given once/);
    await expectInvalid(await submit(JSON.stringify(range), "?platform=iOS"), "platform", /JSON body/);
    await expectInvalid(await submit(JSON.stringify({ ...range, platform: " iOS" })), "platform");
    await expectInvalid(await submit(JSON.stringify({ ...range, allowEmpty: "yes" })), "allowEmpty", /true or false/);
    await expectInvalid(await submit(JSON.stringify({ from: "2016-02-02", to: "2016-02-01" })), "to", /after/);
    await expectInvalid(await submit("[]"), "body", /JSON object/);
  });

  it("GET /jobs/:id shows a failure without the server's paths, and takes no parameters", async () => {
    const submitted = await submit(JSON.stringify(range));
    expect(submitted.status).toBe(202);
    const { id } = (await submitted.json()) as { id: string };
    await jobs.idle();
    const response = await fetch(`${jobsServer.url}/jobs/${encodeURIComponent(id)}`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({
      state: "failed",
      failures: [{ step: "backfill", message: "$EVENTS_SOURCE: the source folder does not exist" }],
    });
    expect(text).not.toContain(dir);
    await expectInvalid(await fetch(`${jobsServer.url}/jobs/${encodeURIComponent(id)}?verbose=1`), "verbose");
  });
});
