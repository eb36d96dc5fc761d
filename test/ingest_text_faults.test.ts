// Text that JSON allows but the engine's reader refuses (a lone UTF-16 surrogate, bytes that are not
// UTF-8) costs nothing outside a product id and only its view inside one; a file cut off by a crashed
// writer loads its complete batches and makes its day partial, naming where it ends. Seen as a user
// sees it: `ctr backfill`'s exit code and summary, then /ctr and /coverage.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { gzipSync } from "node:zlib";
import type { RunningServer } from "@ctr/query-api";
import { loadConfig } from "@ctr/schemas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withApi } from "./support/ctr_cli.ts";
import { type CtrRun, runCtr } from "./support/ctr_in_process.ts";
import { removeDir, tempDir, writeFiles } from "./support/ingest_fixtures.ts";

const DAY = "2016-02-01";
const NEXT_DAY = "2016-02-02";
const TEN_UTC = String(Date.UTC(2016, 1, 1, 10));

/** A product view of `product` (JSON text of the string's inside, escapes allowed), with `extra` fields. */
const view = (product: string, extra = "") =>
  `{"event_type":"custom_event"${extra},"data":{"event_name":"product","timestamp_unixtime_ms":${TEN_UTC},"event_id":679644799952992001,"custom_attributes":{"codeColor":"${product}"}}}`;
const batch = (events: string[], extra = "") => `{${extra}"events":[${events.join(",")}],"mpid":196509116834317001}`;

/**
 * Five batches holding eight views, with lone surrogates in a batch's own fields, in events' extra
 * fields and in the data of an event, a reversed pair, and a proper pair: none of them is in a product.
 */
const SURROGATE_BATCHES = [
  batch([view("S1"), view("S2")], `"note":"\\ud800",`),
  batch([view("S3", `,"x":"\\udc00\\ud83d"`)]),
  batch([view("S4"), view("S5", `,"y":"emoji \\ud83d\\ude00 cut \\ud83d"`)]),
  batch([view("S6").replace('"data":{', '"data":{"label":"ab\\uDFFFcd",')], `"sdk":{"v":"\\uD834"},`),
  batch([view("S7"), view("S8", `,"z":"\\\\ud800 is no escape"`)]),
];
const SURROGATE_VIEWS = ["S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8"];

/** One pretty-printed batch with a lone surrogate beside its one view. */
const surrogateSingle = () => `{\n  "note": "\\udbff",\n  "events": [\n    ${view("SINGLE")}\n  ]\n}\n`;

/**
 * Views whose product is no text: a lone surrogate, a cut emoji, bytes that are not UTF-8 (0xFF 0xFE),
 * each beside a good view; and a line whose only fault is a non-UTF-8 byte outside the product.
 */
function badProductNdjson(): Buffer {
  const lines = [
    batch([view("GOOD1"), view("P\\ud83d")]),
    batch([view("\\udc00X"), view("GOOD2")]),
    `${batch([view("GOOD3"), view("BAD_\u00ff\u00fe_UTF8")])}`,
    batch([view("GOOD4")], `"note":"caf\u00e9 in latin-1",`),
  ];
  return Buffer.from(`${lines.join("\n")}\n`, "latin1");
}

/** Complete batches of one view each, of A1, A2, ... */
const good = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => batch([view(`${prefix}${i + 1}`)]));

let dir: string;
const env = () => ({ CTR_DATA_DIR: path.join(dir, "data"), WORKER_CONCURRENCY: "2" });
const raw = (key: string) => path.join(dir, "data", "raw", key);

beforeAll(async () => {
  dir = await tempDir("text-faults");
  const ndjson = `${SURROGATE_BATCHES.join("\n")}\n`;
  const array = `[\n${SURROGATE_BATCHES.join(",\n")}\n]\n`;
  await writeFiles(path.join(dir, "data", "raw"), {
    [`iOS/${DAY}/surrogates.ndjson`]: ndjson,
    [`iOS/${DAY}/surrogates.ndjson.gz`]: ndjson.replaceAll('"S', '"GZ_S'),
    [`iOS/${DAY}/surrogates-array.json`]: array.replaceAll('"S', '"ARR_S'),
    [`iOS/${DAY}/surrogates-array.json.gz`]: array.replaceAll('"S', '"ARRGZ_S'),
    [`iOS/${DAY}/single.json`]: surrogateSingle(),
    // Cut by a crashed streaming writer at every kind of place, plain and gzipped.
    [`Android/${DAY}/after-comma.json`]: `[\n${good(2, "C").join(",\n")},\n`,
    [`Android/${DAY}/after-comma.json.gz`]: `[\n${good(2, "CGZ").join(",\n")},\n`,
    [`Android/${DAY}/no-bracket.json`]: `[${good(5, "E").join(",")}`,
    [`Android/${DAY}/mid-batch.json.gz`]: `[${good(2, "M").join(",")},${good(1, "MX")[0]?.slice(0, 60)}`,
    [`Android/${DAY}/mid-line.ndjson`]: `${good(2, "L").join("\n")}\n${good(1, "LX")[0]?.slice(0, 70)}`,
    [`Android/${DAY}/mid-single.json`]: surrogateSingle().slice(0, 90),
    [`Android/${DAY}/whole.json`]: `[${good(1, "W").join(",")}]\n`,
    [`MobileWeb/${DAY}/README.txt`]: "the bad products are written below, as bytes",
  });
  // A gzip stream cut before its end, past the head the shape is read from: the whole file fails.
  const stream = gzipSync(`${good(2000, "Z").join("\n")}\n`);
  await writeFile(raw(`Android/${DAY}/cut-stream.ndjson.gz`), stream.subarray(0, Math.floor(stream.length * 0.8)));
  await writeFile(raw(`MobileWeb/${DAY}/bad-products.ndjson`), badProductNdjson());
  // A batch of 40 MB, over what the engine reads as one value, between good ones.
  const huge = batch([view("HUGE")], `"padding":"${"x".repeat(40 * 1024 * 1024)}",`);
  const [h1, h2] = good(2, "H");
  await writeFiles(path.join(dir, "data", "raw"), {
    [`iOS/${NEXT_DAY}/huge-line.ndjson`]: `${h1}\n${huge}\n${h2}\n`,
    [`iOS/${NEXT_DAY}/huge-line.ndjson.gz`]: `${h1}\n${huge}\n${h2}\n`.replaceAll('"H', '"GZ_H'),
    [`iOS/${NEXT_DAY}/huge-element.json`]: `[${h1},${huge},${h2}]`.replaceAll('"H', '"ARR_H'),
  });
  await writeFile(raw(`MobileWeb/${DAY}/bad-products.ndjson.gz`), gzipSync(badProductNdjson()));
});

afterAll(async () => {
  await removeDir(dir);
});

const summaryCount = (run: CtrRun, label: string) =>
  Number(new RegExp(`^${label} +([\\d,]+)`, "m").exec(run.stdout)?.[1]);

/** The products /ctr holds over the folder's day for `platform`, with their views. */
async function productViews(server: RunningServer, platform: string): Promise<Record<string, number>> {
  const query = `startTimestamp=2016-01-31%2021:00:00&endTimestamp=2016-02-01%2021:00:00&aggregation=1440&platform=${platform}`;
  const rows = (await (await fetch(`${server.url}/ctr?${query}`)).json()) as {
    product: string;
    productViews: number;
  }[];
  return Object.fromEntries(rows.map((r) => [r.product, r.productViews]));
}

async function coverage(server: RunningServer, platform: string) {
  const response = await fetch(`${server.url}/coverage?from=${DAY}&to=${DAY}&platform=${platform}`);
  const body = (await response.json()) as {
    views: { views: number; malformed: number; status: string; failedFiles: { file: string; reason: string }[] }[];
  };
  return body.views[0];
}

describe("lone UTF-16 surrogates outside a product id", () => {
  it("cost nothing, in NDJSON, JSON arrays and single batches, plain and gzipped", async () => {
    const run = await runCtr(["backfill", "--from", DAY, "--to", DAY, "--platform", "iOS"], env());
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(summaryCount(run, "views")).toBe(4 * 8 + 1);
    expect(summaryCount(run, "malformed")).toBe(0);
    await withApi(loadConfig(env()), async (server) => {
      const stored = await productViews(server, "iOS");
      const expected = Object.fromEntries(
        ["", "GZ_", "ARR_", "ARRGZ_"].flatMap((prefix) => SURROGATE_VIEWS.map((p) => [`${prefix}${p}`, 1])),
      );
      expect(stored).toEqual({ ...expected, SINGLE: 1 });
      expect(await coverage(server, "iOS")).toMatchObject({ views: 33, malformed: 0, status: "complete" });
    });
  });
});

describe("a product id that is not text (a lone surrogate, bytes that are not UTF-8)", () => {
  it("makes only that view malformed, located; the rest of the file loads", async () => {
    const run = await runCtr(["backfill", "--from", DAY, "--to", DAY, "--platform", "MobileWeb"], env());
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(summaryCount(run, "views")).toBe(8);
    expect(summaryCount(run, "malformed")).toBe(6);
    for (const file of ["bad-products.ndjson", "bad-products.ndjson.gz"]) {
      for (const where of ["line 1, event 2", "line 2, event 1", "line 3, event 2"]) {
        expect(run.stdout).toMatch(new RegExp(`MobileWeb/${DAY}/${file.replace(".", "\\.")} ${where}: .*codeColor`));
      }
    }
    await withApi(loadConfig(env()), async (server) => {
      expect(await productViews(server, "MobileWeb")).toEqual({ GOOD1: 2, GOOD2: 2, GOOD3: 2, GOOD4: 2 });
      expect(await coverage(server, "MobileWeb")).toMatchObject({ views: 8, malformed: 6, status: "complete" });
    });
  });
});

describe("a file cut off by a crashed writer", () => {
  it("loads its complete batches, reports where it ends and makes the day partial (exit 3)", async () => {
    const run = await runCtr(["backfill", "--from", DAY, "--to", DAY, "--platform", "Android"], env());
    expect(run.code, run.stdout + run.stderr).toBe(3);
    // after-comma 2 + 2, no-bracket 5, mid-batch 2, mid-line 2, whole 1.
    expect(summaryCount(run, "views")).toBe(14);
    expect(summaryCount(run, "malformed")).toBe(6);
    const truncated = [
      "after-comma.json",
      "after-comma.json.gz",
      "mid-batch.json.gz",
      "mid-line.ndjson",
      "mid-single.json",
      "no-bracket.json",
    ];
    for (const file of truncated) {
      expect(run.stdout).toMatch(new RegExp(`  Android/${DAY}/${file.replaceAll(".", "\\.")}: .*truncated`));
    }
    expect(run.stdout).toContain(`Android/${DAY}/after-comma.json batch 3: `);
    expect(run.stdout).toContain(`Android/${DAY}/no-bracket.json batch 6: `);
    expect(run.stdout).toContain(`Android/${DAY}/mid-batch.json.gz batch 3: `);
    expect(run.stdout).toContain(`Android/${DAY}/mid-line.ndjson line 3: `);
    expect(run.stdout).toContain(`Android/${DAY}/mid-single.json batch 1: `);
    expect(run.stdout).toMatch(/^PARTIAL /m);
    expect(run.stdout).toContain(`  Android/${DAY}/cut-stream.ndjson.gz: bad gzip data: unexpected end of file`);
    expect(run.stdout).not.toMatch(new RegExp(`  Android/${DAY}/whole\\.json: `));
    await withApi(loadConfig(env()), async (server) => {
      const stored = await productViews(server, "Android");
      expect(Object.keys(stored).sort()).toEqual(
        ["C1", "C2", "CGZ1", "CGZ2", "E1", "E2", "E3", "E4", "E5", "L1", "L2", "M1", "M2", "W1"].sort(),
      );
      const day = await coverage(server, "Android");
      expect(day).toMatchObject({ views: 14, malformed: 6, status: "partial" });
      expect(day?.failedFiles.map((f) => f.file).sort()).toEqual(
        ["cut-stream.ndjson.gz", ...truncated].sort().map((f) => `Android/${DAY}/${f}`),
      );
    });
  });

  it("is read again by ctr daily while it stays cut off, and reported again (exit 3)", async () => {
    // A store of its own: in the one above, the failed gzip file alone would make every daily run partial.
    const alone = { CTR_DATA_DIR: path.join(dir, "alone"), WORKER_CONCURRENCY: "1" };
    await writeFiles(path.join(dir, "alone", "raw"), {
      [`iOS/${DAY}/cut.json`]: `[${good(2, "A").join(",")},`,
      [`iOS/${DAY}/whole.ndjson`]: `${good(1, "B")[0]}\n`,
    });
    expect((await runCtr(["backfill", "--from", DAY, "--to", DAY], alone)).code).toBe(3);
    // The run's own date is always committed; the cut file's day is not that date here.
    const daily = await runCtr(["daily", "--date", NEXT_DAY], alone);
    expect(daily.code, daily.stdout + daily.stderr).toBe(3);
    expect(daily.stdout).toContain(
      `  iOS/${DAY}/cut.json: truncated: the file ends after batch 2 without closing its array`,
    );
  });
});

describe("a batch over the engine's 16 MB limit", () => {
  it("is malformed on its own, located and named as too large; the other batches of its file load", async () => {
    const run = await runCtr(["backfill", "--from", NEXT_DAY, "--to", NEXT_DAY, "--platform", "iOS"], env());
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(summaryCount(run, "views")).toBe(6);
    expect(summaryCount(run, "malformed")).toBe(3);
    for (const [file, where] of [
      ["huge-line.ndjson", "line 2"],
      ["huge-line.ndjson.gz", "line 2"],
      ["huge-element.json", "batch 2"],
    ]) {
      expect(run.stdout).toContain(
        `iOS/${NEXT_DAY}/${file} ${where}: a batch of 40.0 MB, over the 16 MB the engine reads as one JSON value`,
      );
    }
    expect(run.stdout).not.toContain("write large files as NDJSON");
  });
});
