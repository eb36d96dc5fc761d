// The views Parquet a file's conversion writes: the time, the product and the three ids, no column
// the sink's layout already says (platform, source file). Ids are 64-bit integers as the contract
// says, stored as INT64 with every digit; a file whose ids are not all 64-bit integers (text, or
// beyond a signed 64-bit range) keeps them as their exact text, and its views load all the same.
import { stat } from "node:fs/promises";
import path from "node:path";
import type { SourceFile } from "@ctr/schemas";
import { fileIdOf, LocalFolder, loadEngine, outputKey, processShard, type ShardResult } from "@ctr/workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeDir, tempDir, writeFiles } from "./support/ingest_fixtures.ts";

const DAY = "2016-02-01";
const DIR = `iOS/${DAY}`;
const TS = Date.parse(`${DAY}T10:00:00Z`);

/** One batch of a view of `product`; the ids are JSON text, written as given. */
const batch = (product: string, ids: { event: string; session: string; mpid: string }, ts = TS) =>
  `{"events":[{"event_type":"custom_event","data":{"event_name":"product","timestamp_unixtime_ms":${ts},"event_id":${ids.event},"session_id":${ids.session},"custom_attributes":{"codeColor":"${product}"}}},{"event_type":"screen_view","data":{"event_name":"home"}}],"mpid":${ids.mpid}}`;

const WIDE = { event: "679644799952992001", session: "7147916473548190001", mpid: "-196509116834317001" };
/** Signed 64-bit limits: still integers to store as INT64. */
const LIMITS = { event: "9223372036854775807", session: "-9223372036854775808", mpid: "0" };
/** An unsigned id beyond the signed range and ids written as text: not INT64. */
const TEXT = { event: "18446744073709551615", session: '"s-7147916473548190001"', mpid: '"196509116834317001"' };

const FILES: Record<string, string> = {
  [`${DIR}/clean.ndjson`]: `${batch("P1", WIDE)}\n${batch("P2", LIMITS, TS + 1)}\n`,
  [`${DIR}/clean.json.gz`]: `[${batch("P1", WIDE)},\n${batch("P3", LIMITS, TS + 2)}]\n`,
  [`${DIR}/text-ids.ndjson`]: `${batch("P1", WIDE)}\n${batch("P4", TEXT, TS + 3)}\n`,
  // A malformed batch sends the file through the locator: the ids stay as exact.
  [`${DIR}/malformed.ndjson`]: `${batch("P5", WIDE)}\n{"events":5}\n${batch("P6", LIMITS, TS + 4)}\n`,
};

let root: string;
let sink: LocalFolder;
let result: ShardResult;

beforeAll(async () => {
  root = await tempDir("views-parquet");
  await writeFiles(path.join(root, "source"), FILES);
  const files: SourceFile[] = await Promise.all(
    Object.keys(FILES).map(async (key) => ({
      key,
      size: (await stat(path.join(root, "source", key))).size,
      etag: key,
    })),
  );
  sink = new LocalFolder(path.join(root, "sink"));
  result = await processShard(
    { platform: "iOS", day: DAY, files },
    {
      source: new LocalFolder(path.join(root, "source")),
      sink,
      engine: { memoryLimitMb: 256, threads: 1, tempDir: path.join(root, "tmp") },
    },
  );
});

afterAll(() => removeDir(root));

/** A file's views Parquet: its columns with their types, and its rows with every value as text. */
async function viewsOf(key: string) {
  const { DuckDBInstance } = loadEngine();
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    const file = sink.pathOf(outputKey("events", "iOS", DAY, fileIdOf(key)));
    // The file's own columns, not those its folder names (date=…).
    const columns = await connection.runAndReadAll(
      "DESCRIBE SELECT * FROM read_parquet($file, hive_partitioning = false)",
      { file },
    );
    const rows = await connection.runAndReadAll(
      `SELECT ts_ms::VARCHAR AS ts_ms, product, event_id::VARCHAR AS event_id, session_id::VARCHAR AS session_id,
              mpid::VARCHAR AS mpid
       FROM read_parquet($file)`,
      { file },
    );
    return {
      columns: columns.getRowObjectsJson().map((c) => `${c.column_name} ${c.column_type}`),
      rows: rows.getRowObjectsJson(),
    };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const row = (product: string, ids: typeof WIDE, ts: number) => ({
  ts_ms: `${ts}.0`,
  product,
  event_id: ids.event.replaceAll('"', ""),
  session_id: ids.session.replaceAll('"', ""),
  mpid: ids.mpid.replaceAll('"', ""),
});

describe("the views Parquet of a file", () => {
  it("holds the time, the product and the ids as 64-bit integers, every digit kept", async () => {
    for (const [key, [second, ts]] of [
      [`${DIR}/clean.ndjson`, ["P2", TS + 1]],
      [`${DIR}/clean.json.gz`, ["P3", TS + 2]],
    ] as const) {
      const views = await viewsOf(key);
      expect(views.columns, key).toEqual([
        "ts_ms DOUBLE",
        "product VARCHAR",
        "event_id BIGINT",
        "session_id BIGINT",
        "mpid BIGINT",
      ]);
      expect(views.rows, key).toEqual([row("P1", WIDE, TS), row(second, LIMITS, ts)]);
    }
  });

  it("keeps ids that are no 64-bit integers as their exact text, and loads the file's views", async () => {
    const views = await viewsOf(`${DIR}/text-ids.ndjson`);
    expect(views.columns).toEqual([
      "ts_ms DOUBLE",
      "product VARCHAR",
      "event_id VARCHAR",
      "session_id VARCHAR",
      "mpid VARCHAR",
    ]);
    expect(views.rows).toEqual([row("P1", WIDE, TS), row("P4", TEXT, TS + 3)]);
    const manifest = result.files.find((m) => m.file === `${DIR}/text-ids.ndjson`);
    expect(manifest).toMatchObject({ status: "loaded", batches: 2, events: 4, views: 2, ignored: 2, malformed: 0 });
  });

  it("keeps the ids exact in a file that holds a malformed record", async () => {
    const views = await viewsOf(`${DIR}/malformed.ndjson`);
    expect(views.rows).toEqual([row("P5", WIDE, TS), row("P6", LIMITS, TS + 4)]);
    expect(views.columns).toContain("event_id BIGINT");
    const manifest = result.files.find((m) => m.file === `${DIR}/malformed.ndjson`);
    expect(manifest).toMatchObject({ status: "loaded", views: 2, malformed: 1 });
  });
});
