import path from "node:path";
import { getIngestedFiles, getProductViewsPerMinute, migrate, type Store } from "@ctr/schemas";
import {
  commitPlatformDay,
  discoverDays,
  fileIdOf,
  ingestShard,
  LocalFolder,
  openStore,
  outputKey,
} from "@ctr/workers";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allShapes, MIXED_COUNTS, mixedNdjson, removeDir, tempDir, writeFiles } from "./support/ingest_fixtures.ts";

const DAY = "2016-02-01";
let dir: string;
let store: Store;
let source: LocalFolder;
let sink: LocalFolder;
const engine = () => ({ memoryLimitMb: 256, threads: 1, tempDir: path.join(dir, "tmp") });

beforeAll(async () => {
  dir = await tempDir("ingest-shapes");
  // The platform folder is matched case-insensitively.
  await writeFiles(path.join(dir, "raw"), allShapes("ios", DAY));
  source = new LocalFolder(path.join(dir, "raw"));
  sink = new LocalFolder(path.join(dir, "parquet"));
  store = openStore({ kind: "embedded", path: path.join(dir, "clickhouse"), database: "default" });
  await migrate(store);
});

afterAll(async () => {
  await store?.close();
  await removeDir(dir);
});

async function readEvents(key: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(
      `SELECT ts_ms, product, event_id::VARCHAR AS event_id, session_id::VARCHAR AS session_id, mpid::VARCHAR AS mpid
       FROM read_parquet($p) ORDER BY ts_ms`,
      { p: sink.pathOf(key) },
    );
    return reader.getRowObjectsJS();
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe("ingesting every file shape", () => {
  it("discovers the event files of a day and skips the rest", async () => {
    const [day] = await discoverDays(source, { platforms: ["iOS"], days: [DAY] });
    expect(day?.files.map((f) => f.key)).toEqual([
      "ios/2016-02-01/mixed-array.json",
      "ios/2016-02-01/mixed-array.json.gz",
      "ios/2016-02-01/mixed.jsonl.gz",
      "ios/2016-02-01/mixed.ndjson",
      "ios/2016-02-01/single.json",
      "ios/2016-02-01/single.json.gz",
    ]);
    expect(day?.skipped).toBe(1);
  });

  it("counts views, ignored events and locates malformed records in each shape, plain and gzipped", async () => {
    const [day] = await discoverDays(source, { platforms: ["iOS"], days: [DAY] });
    const result = await ingestShard(
      { source: source.root, platform: "iOS", day: DAY, files: day?.files ?? [] },
      {
        source,
        sink,
        engine: engine(),
      },
    );
    const byFile = new Map(result.files.map((m) => [path.posix.basename(m.file), m]));
    for (const name of ["mixed.ndjson", "mixed.jsonl.gz", "mixed-array.json", "mixed-array.json.gz"]) {
      const manifest = byFile.get(name);
      expect(manifest, name).toMatchObject(MIXED_COUNTS);
    }
    const linePositions = byFile.get("mixed.ndjson")?.malformed_locations.map((l) => l.position);
    // Line 6's one event is a view with a string time: only the view is refused, by event.
    expect(linePositions).toEqual(["line 4", "line 5", "line 6, event 1", "line 7"]);
    const batchPositions = byFile.get("mixed-array.json.gz")?.malformed_locations.map((l) => l.position);
    expect(batchPositions).toEqual(["batch 4", "batch 5", "batch 6, event 1", "batch 7"]);
    expect(byFile.get("mixed.ndjson")?.malformed_locations[2]).toMatchObject({
      file: "ios/2016-02-01/mixed.ndjson",
      reason: "product view without a numeric data.timestamp_unixtime_ms",
    });
    for (const name of ["single.json", "single.json.gz"]) {
      expect(byFile.get(name)).toMatchObject({ batches: 1, events: 1, views: 1, ignored: 0, malformed: 0 });
    }
  });

  it("writes views Parquet with the exact 64-bit ids, never rounded", async () => {
    const rows = await readEvents(outputKey("events", "iOS", DAY, fileIdOf("ios/2016-02-01/mixed.ndjson")));
    expect(rows).toEqual([
      {
        ts_ms: 1454284800000.5,
        product: "P1",
        event_id: "679644799952992001",
        session_id: "7147916473548190001",
        mpid: "196509116834317001",
      },
      expect.objectContaining({ product: "P1", event_id: "679644799952992003", ts_ms: 1454284830000 }),
      expect.objectContaining({ product: "P2", event_id: "679644799952992002", mpid: "1" }),
    ]);
  });

  it("commits per-minute views and the file manifest into ClickHouse, and a re-commit changes nothing", async () => {
    const first = await commitPlatformDay({ platform: "iOS", day: DAY }, { store, sink, s3: { region: "us-east-1" } });
    const second = await commitPlatformDay({ platform: "iOS", day: DAY }, { store, sink, s3: { region: "us-east-1" } });
    expect(second).toEqual(first);
    expect(first).toMatchObject({ files: 6, views: 14 });
    const minutes = await getProductViewsPerMinute(store.client, { from: DAY, to: DAY });
    expect(minutes).toEqual([
      { day: DAY, platform: "iOS", minute: "2016-02-01 00:00:00", product: "P1", views: 8 },
      { day: DAY, platform: "iOS", minute: "2016-02-01 00:01:00", product: "P2", views: 4 },
      { day: DAY, platform: "iOS", minute: "2016-02-01 00:02:00", product: "P4", views: 2 },
    ]);
    const files = await getIngestedFiles(store.client, { from: DAY, to: DAY });
    expect(files.map((f) => [f.file, f.views, f.ignored, f.malformed])).toEqual([
      ["ios/2016-02-01/mixed-array.json", 3, 2, 4],
      ["ios/2016-02-01/mixed-array.json.gz", 3, 2, 4],
      ["ios/2016-02-01/mixed.jsonl.gz", 3, 2, 4],
      ["ios/2016-02-01/mixed.ndjson", 3, 2, 4],
      ["ios/2016-02-01/single.json", 1, 0, 0],
      ["ios/2016-02-01/single.json.gz", 1, 0, 0],
    ]);
  });

  it("records each file that cannot be read as failed, with its reason and no Parquet, and reads the rest", async () => {
    const { writeFile } = await import("node:fs/promises");
    const { gzipSync } = await import("node:zlib");
    const day = "2016-02-02";
    await writeFiles(path.join(dir, "raw"), { [`iOS/${day}/good.ndjson`]: mixedNdjson() });
    const whole = gzipSync(mixedNdjson());
    await writeFile(source.pathOf(`iOS/${day}/empty.ndjson.gz`), "");
    await writeFile(source.pathOf(`iOS/${day}/half.ndjson.gz`), whole.subarray(0, Math.floor(whole.length / 2)));
    await writeFile(source.pathOf(`iOS/${day}/text.json.gz`), "this is not gzip");
    const [found] = await discoverDays(source, { platforms: ["iOS"], days: [day] });
    const files = [...(found?.files ?? []), { key: `iOS/${day}/gone.json`, size: 1, etag: "1" }];
    const result = await ingestShard(
      { source: source.root, platform: "iOS", day, files },
      { source, sink, engine: engine() },
    );
    expect(result.files.map((m) => [m.file, m.status, m.views])).toEqual([
      [`iOS/${day}/empty.ndjson.gz`, "failed", 0],
      [`iOS/${day}/good.ndjson`, "loaded", MIXED_COUNTS.views],
      [`iOS/${day}/half.ndjson.gz`, "failed", 0],
      [`iOS/${day}/text.json.gz`, "failed", 0],
      [`iOS/${day}/gone.json`, "failed", 0],
    ]);
    const reasons = Object.fromEntries(result.files.map((m) => [m.file.split("/").pop(), m.reason]));
    expect(reasons["text.json.gz"]).toMatch(/cannot be read|gzip/);
    expect(reasons["half.ndjson.gz"]).toMatch(/gzip|end of file/i);
    expect(reasons["gone.json"]).toMatch(/cannot be read/);
    for (const failed of result.files.filter((m) => m.status === "failed")) {
      expect(failed).toMatchObject({ size: expect.any(Number), etag: expect.any(String), reason: expect.any(String) });
      const id = fileIdOf(failed.file);
      expect(JSON.parse(await sink.readText(outputKey("manifest", "iOS", day, id)))).toMatchObject({
        status: "failed",
        file: failed.file,
      });
      await expect(sink.readText(outputKey("events", "iOS", day, id))).rejects.toThrow("cannot be read");
    }
    const commit = await commitPlatformDay({ platform: "iOS", day }, { store, sink, s3: { region: "us-east-1" } });
    expect(commit).toMatchObject({ files: 5, views: MIXED_COUNTS.views });
    expect(commit.failedFiles.map((f) => f.file)).toEqual([
      `iOS/${day}/empty.ndjson.gz`,
      `iOS/${day}/gone.json`,
      `iOS/${day}/half.ndjson.gz`,
      `iOS/${day}/text.json.gz`,
    ]);
  });
});
