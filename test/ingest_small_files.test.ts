// Small files go through one engine pass per group (workers' processFileGroup) instead of a statement
// each. What a user sees must not change: every file's manifest and views Parquet are the ones a
// statement per file gives, row for row, whatever the group holds: gzip and plain files, arrays and
// NDJSON, a file without views, an empty file, a file with malformed records (which sends its group
// back to a statement per file, the locator naming the records) and a file that cannot be read.
import { readdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { FileManifest, SourceFile } from "@ctr/schemas";
import {
  FILE_GROUPING,
  type FileGrouping,
  fileIdOf,
  groupFiles,
  LocalFolder,
  loadEngine,
  processShard,
  type ShardResult,
} from "@ctr/workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mixedNdjson, removeDir, tempDir, writeFiles } from "./support/ingest_fixtures.ts";

const DAY = "2016-02-01";
const DIR = `iOS/${DAY}`;
/** A statement per file: no file is small enough to group. */
const ONE_BY_ONE: FileGrouping = { maxFileBytes: 0, maxGroupBytes: 0, maxFiles: 1 };

/** A batch of `n` events at minute `minute` of the day: views of products P<k> and one ignored event. */
function batch(minute: number, n: number, seed: number): string {
  const ts = Date.parse(`${DAY}T00:00:00Z`) + minute * 60_000 + seed;
  const views = Array.from({ length: n }, (_, k) => ({
    event_type: "custom_event",
    data: {
      event_name: "product",
      timestamp_unixtime_ms: ts + k,
      event_id: `67964479995299${String(seed).padStart(4, "0")}${k}`,
      custom_attributes: { codeColor: `P${(seed + k) % 7}` },
    },
  }));
  const home = { event_type: "custom_event", data: { event_name: "home", timestamp_unixtime_ms: ts } };
  // 64-bit ids as JSON numbers: the Parquet must keep their digits.
  return JSON.stringify({ events: [...views, home], mpid: "MPID" }).replace('"MPID"', `1965091168343170${seed}`);
}

const ndjson = (seed: number, batches: number) =>
  `${Array.from({ length: batches }, (_, b) => batch(b * 13, 1 + (b % 3), seed + b)).join("\n")}\n`;
const array = (seed: number, batches: number) =>
  `[\n${Array.from({ length: batches }, (_, b) => `  ${batch(b * 7, 2, seed + b)}`).join(",\n")}\n]\n`;

/** The day folder: what a landing zone of small files may hold, in key order. */
const FILES: Record<string, string> = {
  [`${DIR}/a-00.ndjson`]: ndjson(10, 40),
  [`${DIR}/a-01.ndjson`]: ndjson(20, 35),
  [`${DIR}/a-02.jsonl`]: ndjson(30, 50),
  [`${DIR}/a-03.ndjson.gz`]: ndjson(40, 45),
  [`${DIR}/a-04.ndjson.gz`]: ndjson(50, 30),
  [`${DIR}/a-05.json`]: array(60, 20),
  [`${DIR}/a-06.json`]: array(70, 25),
  [`${DIR}/a-07.ndjson`]: `${JSON.stringify({ events: [{ event_type: "screen_view", data: {} }] })}\n`,
  [`${DIR}/a-08.ndjson`]: "",
  [`${DIR}/a-09.ndjson`]: ndjson(90, 60),
  [`${DIR}/b-00.ndjson`]: mixedNdjson(),
  [`${DIR}/b-01.ndjson`]: ndjson(110, 30),
  [`${DIR}/b-02.json.gz`]: "", // written below as plain text: not gzip at all
  [`${DIR}/b-03.ndjson`]: ndjson(130, 44),
};

let root: string;
let sourceFiles: SourceFile[];

beforeAll(async () => {
  root = await tempDir("small-files");
  await writeFiles(path.join(root, "source"), FILES);
  await writeFile(path.join(root, "source", DIR, "b-02.json.gz"), "plain text, not gzip");
  sourceFiles = await Promise.all(
    Object.keys(FILES).map(async (key) => ({
      key,
      size: (await stat(path.join(root, "source", key))).size,
      etag: `etag-${key}`,
    })),
  );
});

afterAll(() => removeDir(root));

/** The day through processShard, into its own sink, with `grouping`. */
async function convert(label: string, grouping: FileGrouping): Promise<{ sink: LocalFolder; result: ShardResult }> {
  const sink = new LocalFolder(path.join(root, `sink-${label}`));
  const result = await processShard(
    { platform: "iOS", day: DAY, files: sourceFiles },
    {
      source: new LocalFolder(path.join(root, "source")),
      sink,
      engine: { memoryLimitMb: 256, threads: 2, tempDir: path.join(root, `tmp-${label}`) },
      grouping,
    },
  );
  return { sink, result };
}

/** A file's views Parquet as rows (ids as text) and its column names and types. */
async function parquetOf(sink: LocalFolder, manifest: FileManifest) {
  const { DuckDBInstance } = loadEngine();
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    const dir = path.join(sink.root, "events", "platform=iOS", `date=${DAY}`);
    const file = path.join(dir, `${fileIdOf(manifest.file)}.parquet`);
    expect((await readdir(dir)).map((f) => path.join(dir, f))).toContain(file);
    const rows = await connection.runAndReadAll("SELECT * FROM read_parquet($file)", { file });
    const columns = await connection.runAndReadAll("DESCRIBE SELECT * FROM read_parquet($file)", { file });
    return {
      rows: JSON.stringify(rows.getRowObjectsJson()),
      columns: columns.getRowObjectsJson().map((c) => `${c.column_name} ${c.column_type}`),
    };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe("small files converted in groups", () => {
  it("are grouped by the default rules: the day's small files in runs, one run per lane at least", () => {
    const runs = groupFiles(sourceFiles, 2);
    expect(runs.flat()).toEqual(sourceFiles.map((_, i) => i));
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...runs.map((run) => run.length))).toBeGreaterThan(1);
    expect(groupFiles(sourceFiles, 2, ONE_BY_ONE)).toEqual(sourceFiles.map((_, i) => [i]));
  });

  it("leave a gzipped file whose text is not small to a statement of its own", () => {
    const MB = 1024 * 1024;
    const files = [
      { key: `${DIR}/c-00.ndjson.gz`, size: MB, etag: "1" },
      { key: `${DIR}/c-01.ndjson.gz`, size: MB, etag: "2" },
      { key: `${DIR}/c-02.ndjson`, size: MB, etag: "3" },
      { key: `${DIR}/c-03.ndjson.gz`, size: MB / 4, etag: "4" },
      { key: `${DIR}/c-04.ndjson`, size: MB, etag: "5" },
    ];
    // 1 MB of gzip holds several MB of JSON: no cheaper in a group than alone.
    expect(groupFiles(files, 1)).toEqual([[0], [1], [2, 3, 4]]);
  });

  it("give every file the manifest and the views Parquet a statement per file gives", async () => {
    const grouped = await convert("grouped", FILE_GROUPING);
    const single = await convert("single", ONE_BY_ONE);
    expect(grouped.result.files).toEqual(single.result.files);

    const byFile = new Map(grouped.result.files.map((m) => [m.file.split("/").pop(), m]));
    // The malformed file went through the locator, which names its records; the bad gzip failed alone.
    expect(byFile.get("b-00.ndjson")?.malformed).toBe(4);
    expect(byFile.get("b-00.ndjson")?.malformed_locations.length).toBeGreaterThan(0);
    expect(byFile.get("b-02.json.gz")).toMatchObject({ status: "failed", views: 0 });
    expect(byFile.get("a-07.ndjson")).toMatchObject({ status: "loaded", views: 0, events: 1, ignored: 1 });
    expect(byFile.get("a-08.ndjson")).toMatchObject({ status: "loaded", batches: 0, views: 0 });
    const loaded = grouped.result.files.filter((m) => m.status === "loaded");
    expect(loaded.reduce((sum, m) => sum + m.views, 0)).toBeGreaterThan(400);

    for (const manifest of loaded) {
      const a = await parquetOf(grouped.sink, manifest);
      const b = await parquetOf(single.sink, manifest);
      expect(a.columns, manifest.file).toEqual(b.columns);
      expect(a.rows, manifest.file).toEqual(b.rows);
      expect(JSON.parse(a.rows)).toHaveLength(manifest.views);
    }
  });
});
