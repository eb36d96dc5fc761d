// A bad view record costs only itself, and no view is stored at a wrong time.
// Seen as a user sees it: `ctr backfill`'s exit code and summary, then /coverage and /ctr over the
// store it filled, on a local folder and on s3rver.
import path from "node:path";
import type { RunningServer } from "@ctr/query-api";
import { loadConfig, viewTimeWindow } from "@ctr/schemas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getCtr } from "./support/api_server.ts";
import { withApi } from "./support/ctr_cli.ts";
import { type CtrRun, runCtr } from "./support/ctr_in_process.ts";
import { deploymentEnv, uploadObject } from "./support/distributed_support.ts";
import { removeDir, tempDir, writeFiles } from "./support/ingest_fixtures.ts";
import { startS3rver } from "./support/ingest_s3rver.ts";

const DAY = "2016-02-01";
const TEN_UTC = String(Date.UTC(2016, 1, 1, 10));

/** A product view event of `product` at `ts` (JSON text, as it stands in the file). */
const view = (product: string, ts: string) =>
  `{"event_type":"custom_event","data":{"event_name":"product","timestamp_unixtime_ms":${ts},"event_id":679644799952992001,"custom_attributes":{"codeColor":"${product}"}}}`;
const batch = (...events: string[]) => `{"events":[${events.join(",")}],"mpid":196509116834317001}`;

/** Times a view cannot be stored at: out of range, implausible, outside the window, or no number. */
const REFUSED_TIMES = [
  "1e20",
  "9223372036854775807",
  "-1e15",
  "1e15",
  "-1",
  "0",
  "-0",
  "253402300800000",
  "1e308",
  "1e-320",
  "1e400",
  "-1e400",
  "-1e-400",
  "9".repeat(400),
  '"1454284800000"',
  "null",
  "true",
  // Just outside the window [2016-01-31, 2016-02-03) of the 2016-02-01 folder.
  "1454198399999.999",
  "1454457600000",
];

/** Times just inside the window, and a fraction that belongs to its minute. */
const EDGES = { FIRST: "1454198400000", LAST: "1454457599999.999", FRACTION: "1454284830000.9" };

/**
 * One line per refused time, each beside a good view of GOOD at 10:00 UTC that must still load;
 * then the edges, each alone; then a line that is no JSON (NaN), which is skipped whole.
 */
function timesNdjson(): string {
  const lines = [
    ...REFUSED_TIMES.map((ts) => batch(view("GOOD", TEN_UTC), view("BAD", ts))),
    ...Object.entries(EDGES).map(([product, ts]) => batch(view(product, ts))),
    batch(view("BAD", "NaN")),
  ];
  return `${lines.join("\n")}\n`;
}
const lineOf = (ts: string) => REFUSED_TIMES.indexOf(ts) + 1;
const TIMES_COUNTS = { views: REFUSED_TIMES.length + 3, malformed: REFUSED_TIMES.length + 1 };

/** Four batches of `product`: a refused view beside a good one, a broken batch, a good one, a refused view alone. */
const mixedBatches = (product: string) => [
  batch(view(product, TEN_UTC), view("BAD", "1e20")),
  `{"events":[}]`,
  batch(view(product, TEN_UTC), `{"event_type":"custom_event","data":{"event_name":"home"}}`),
  batch(view("BAD", "-1")),
];
const ndjson = (product: string) => `${mixedBatches(product).join("\n")}\n`;
const array = (product: string) => `[\n${mixedBatches(product).join(",\n")}\n]\n`;
/** One pretty-printed batch: good, refused, good. */
const single = (product: string) =>
  `{\n  "events": [\n    ${[view(product, TEN_UTC), view("BAD", "9223372036854775807"), view(product, TEN_UTC)].join(",\n    ")}\n  ]\n}\n`;

function dayFiles(platform: string): Record<string, string> {
  const dir = `${platform}/${DAY}`;
  return {
    [`${dir}/times.ndjson`]: timesNdjson(),
    [`${dir}/mixed.ndjson`]: ndjson("NDJSON"),
    [`${dir}/mixed.ndjson.gz`]: ndjson("NDJSON_GZ"),
    [`${dir}/mixed-array.json`]: array("ARRAY"),
    [`${dir}/mixed-array.json.gz`]: array("ARRAY_GZ"),
    [`${dir}/single.json`]: single("SINGLE"),
    [`${dir}/single.json.gz`]: single("SINGLE_GZ"),
  };
}

/**
 * Valid JSON the engine's reader refuses: an event with a duplicate key (JSON.parse keeps the last
 * value, DuckDB's reader fails the file), between two good lines, and a refused view after it.
 */
const duplicateKeysNdjson = () =>
  [
    batch(view("P1", TEN_UTC)),
    batch(
      view("P2", TEN_UTC),
      view("P3", TEN_UTC).replace('"event_type":"custom_event"', '"event_type":"home","event_type":"custom_event"'),
    ),
    batch(view("P4", TEN_UTC), view("BAD", "1e20")),
  ].join("\n");

let dir: string;
let s3: Awaited<ReturnType<typeof startS3rver>>;
const localEnv = () => ({ CTR_DATA_DIR: path.join(dir, "data"), WORKER_CONCURRENCY: "2" });

beforeAll(async () => {
  dir = await tempDir("view-times");
  await writeFiles(path.join(dir, "data", "raw"), {
    ...dayFiles("iOS"),
    [`MobileWeb/${DAY}/duplicate-keys.ndjson`]: duplicateKeysNdjson(),
  });
  s3 = await startS3rver(dir, ["ctr-events", "ctr-sink"]);
  await uploadObject(s3.endpoint, `Android/${DAY}/times.ndjson`, timesNdjson());
});

afterAll(async () => {
  await s3?.close();
  await removeDir(dir);
});

interface CtrRow {
  timestamp: string;
  platform: string;
  product: string;
  productViews: number;
}

async function ctrRows(server: RunningServer, fields: Record<string, string | number>): Promise<CtrRow[]> {
  const response = await getCtr(server, fields);
  expect(response.status).toBe(200);
  return (await response.json()) as CtrRow[];
}

/** /coverage's views and malformed of (platform, DAY). */
async function coverage(server: RunningServer, platform: string): Promise<{ views: number; malformed: number }> {
  const response = await fetch(`${server.url}/coverage?from=${DAY}&to=${DAY}&platform=${platform}`);
  const body = (await response.json()) as { views: { views: number; malformed: number }[] };
  expect(body.views).toHaveLength(1);
  return { views: body.views[0]?.views ?? -1, malformed: body.views[0]?.malformed ?? -1 };
}

const sumViews = (rows: CtrRow[]) => rows.reduce((n, r) => n + r.productViews, 0);
const summaryCount = (run: CtrRun, label: string) =>
  Number(new RegExp(`^${label} +([\\d,]+)`, "m").exec(run.stdout)?.[1]);

/**
 * /ctr over the folder's whole window (2016-01-31 00:00 .. 2016-02-03 00:00 UTC, in GMT-3) and over
 * everything the API accepts; both must hold exactly the day's /coverage views.
 */
async function expectCtrMatchesCoverage(server: RunningServer, platform: string): Promise<number> {
  const { views } = await coverage(server, platform);
  const window = viewTimeWindow(DAY);
  expect([window.fromMs, window.toMs]).toEqual([Date.UTC(2016, 0, 31), Date.UTC(2016, 1, 3)]);
  const overWindow = await ctrRows(server, {
    startTimestamp: "2016-01-30 21:00:00",
    endTimestamp: "2016-02-02 21:00:00",
    aggregation: 3 * 1440,
    platform,
  });
  const overAll = await ctrRows(server, {
    startTimestamp: "1970-01-02 00:00:00",
    endTimestamp: "2105-12-30 00:00:00",
    aggregation: 52_560_000,
    platform,
  });
  expect(sumViews(overWindow)).toBe(views);
  expect(sumViews(overAll)).toBe(views);
  expect(overAll.filter((r) => r.product === "BAD")).toEqual([]);
  return views;
}

describe("views with times that cannot be stored, on a local folder", () => {
  let run: CtrRun;
  beforeAll(async () => {
    run = await runCtr(["backfill", "--from", DAY, "--to", DAY, "--platform", "iOS"], localEnv());
  });

  it("loads the day, exit 0, and lists each refused view with its file, line and event", () => {
    expect(run.stderr).not.toMatch(/Conversion Error|SELECT|COPY/);
    expect(run.code).toBe(0);
    const file = `iOS/${DAY}/times.ndjson`;
    const located = [...run.stdout.matchAll(new RegExp(`^ {2}${file} (line \\d+(?:, event \\d+)?): (.*)$`, "gm"))];
    expect(located.map((m) => m[1])).toEqual([
      ...REFUSED_TIMES.map((_, i) => `line ${i + 1}, event 2`),
      `line ${REFUSED_TIMES.length + 4}`,
    ]);
    expect(run.stdout).toContain(
      `${file} line 1, event 2: view time 100000000000000000000 ms is outside 2016-01-31..2016-02-02 of folder 2016-02-01`,
    );
    expect(run.stdout).toContain(
      `${file} line ${lineOf("-1")}, event 2: view time -1 ms (1969-12-31T23:59:59.999Z) is outside`,
    );
    expect(run.stdout).toContain(
      `${file} line ${lineOf("1e400")}, event 2: product view time data.timestamp_unixtime_ms is beyond`,
    );
    expect(run.stdout).toContain(
      `${file} line ${lineOf('"1454284800000"')}, event 2: product view without a numeric data.timestamp_unixtime_ms`,
    );
    expect(run.stdout).toContain(`${file} line ${REFUSED_TIMES.length + 4}: invalid JSON`);
  });

  it("keeps the good records of every shape and locates the bad ones by line or batch and event", () => {
    for (const [name, at] of [
      ["mixed.ndjson", "line"],
      ["mixed.ndjson.gz", "line"],
      ["mixed-array.json", "batch"],
      ["mixed-array.json.gz", "batch"],
    ]) {
      const lines = run.stdout.split("\n").filter((l) => l.startsWith(`  iOS/${DAY}/${name} `));
      expect(
        lines.map((l) => l.split(": ")[0]),
        name,
      ).toEqual([
        `  iOS/${DAY}/${name} ${at} 1, event 2`,
        `  iOS/${DAY}/${name} ${at} 2`,
        `  iOS/${DAY}/${name} ${at} 4, event 1`,
      ]);
    }
    for (const name of ["single.json", "single.json.gz"]) {
      expect(run.stdout).toContain(
        `  iOS/${DAY}/${name} batch 1, event 2: view time 9223372036854776000 ms is outside 2016-01-31..2016-02-02`,
      );
    }
  });

  it("sums up consistently: events are views and ignored, and every refused record is malformed", () => {
    // Per NDJSON or array file: 3 events (2 views, 1 ignored) and 3 malformed (a broken batch,
    // 2 refused views); per single object: 2 views and 1 malformed.
    expect({
      files: summaryCount(run, "files"),
      events: summaryCount(run, "events"),
      views: summaryCount(run, "views"),
      ignored: summaryCount(run, "ignored"),
      malformed: summaryCount(run, "malformed"),
    }).toEqual({
      files: 7,
      events: TIMES_COUNTS.views + 4 * 3 + 2 * 2,
      views: TIMES_COUNTS.views + 6 * 2,
      ignored: 4,
      malformed: TIMES_COUNTS.malformed + 4 * 3 + 2,
    });
  });

  it("answers /ctr with every view /coverage counts, and none at a wrong time", async () => {
    await withApi(loadConfig(localEnv()), async (server) => {
      expect(await coverage(server, "iOS")).toEqual({
        views: TIMES_COUNTS.views + 12,
        malformed: TIMES_COUNTS.malformed + 4 * 3 + 2,
      });
      expect(await expectCtrMatchesCoverage(server, "iOS")).toBe(TIMES_COUNTS.views + 12);
      const tenUtc = await ctrRows(server, {
        startTimestamp: "2016-02-01 07:00:00",
        endTimestamp: "2016-02-01 07:01:00",
        aggregation: 1,
      });
      expect(tenUtc.map((r) => [r.product, r.productViews])).toEqual([
        ["ARRAY", 2],
        ["ARRAY_GZ", 2],
        ["GOOD", REFUSED_TIMES.length],
        ["NDJSON", 2],
        ["NDJSON_GZ", 2],
        ["SINGLE", 2],
        ["SINGLE_GZ", 2],
      ]);
    });
  });

  it("finds the views at the window's edges in narrow queries around their own minute, and nothing beyond", async () => {
    await withApi(loadConfig(localEnv()), async (server) => {
      const minute = async (startGmt3: string, endGmt3: string) =>
        (await ctrRows(server, { startTimestamp: startGmt3, endTimestamp: endGmt3, aggregation: 1 })).map((r) => [
          r.timestamp,
          r.product,
          r.productViews,
        ]);
      // 2016-01-31 00:00 UTC, the window's first minute, and the minute before it.
      expect(await minute("2016-01-30 20:59:00", "2016-01-30 21:01:00")).toEqual([["2016-01-30 21:00:00", "FIRST", 1]]);
      // 2016-02-02 23:59:59.999 UTC, the window's last minute, and the minute after it.
      expect(await minute("2016-02-02 20:59:00", "2016-02-02 21:01:00")).toEqual([["2016-02-02 20:59:00", "LAST", 1]]);
      // 1454284830000.9 ms is 2016-02-01 00:00:30.0009 UTC: minute 00:00.
      expect(await minute("2016-01-31 21:00:00", "2016-01-31 21:01:00")).toEqual([
        ["2016-01-31 21:00:00", "FRACTION", 1],
      ]);
    });
  });

  it("gives the same summary when run again", async () => {
    const again = await runCtr(["backfill", "--from", DAY, "--to", DAY, "--platform", "iOS"], localEnv());
    expect(again.code).toBe(0);
    const body = (r: CtrRun) => r.stdout.replace(/^rows written.*$/m, "");
    expect(body(again)).toBe(body(run));
  });
});

describe("a record the engine's reader refuses though it is JSON", () => {
  it("costs at most itself: the file's other records load", async () => {
    const run = await runCtr(["backfill", "--from", DAY, "--to", DAY, "--platform", "MobileWeb"], localEnv());
    expect(run.stderr).not.toMatch(/duplicate key/);
    expect(run.code).toBe(0);
    // The engine reads the first of duplicate keys: P3's event is no custom_event to it.
    expect([summaryCount(run, "events"), summaryCount(run, "views"), summaryCount(run, "ignored")]).toEqual([4, 3, 1]);
    expect(run.stdout).toContain(
      `MobileWeb/${DAY}/duplicate-keys.ndjson line 3, event 2: view time 100000000000000000000 ms`,
    );
    await withApi(loadConfig(localEnv()), async (server) => {
      expect(await coverage(server, "MobileWeb")).toEqual({ views: 3, malformed: 1 });
      expect(await expectCtrMatchesCoverage(server, "MobileWeb")).toBe(3);
    });
  });
});

describe("views with times that cannot be stored, on s3rver", () => {
  it("loads the good views, lists the refused ones and agrees between /coverage and /ctr", async () => {
    const env = deploymentEnv({ endpoint: s3.endpoint, dataDir: path.join(dir, "data"), sinkPrefix: "view-times" });
    const run = await runCtr(["backfill", "--from", DAY, "--to", DAY, "--platform", "Android"], env);
    expect(run.code).toBe(0);
    expect(summaryCount(run, "views")).toBe(TIMES_COUNTS.views);
    expect(summaryCount(run, "malformed")).toBe(TIMES_COUNTS.malformed);
    expect(run.stdout).toContain(
      `Android/${DAY}/times.ndjson line 2, event 2: view time 9223372036854776000 ms is outside 2016-01-31..2016-02-02 of folder 2016-02-01`,
    );
    await withApi(loadConfig(env), async (server) => {
      expect(await coverage(server, "Android")).toEqual(TIMES_COUNTS);
      expect(await expectCtrMatchesCoverage(server, "Android")).toBe(TIMES_COUNTS.views);
    });
  });
});
