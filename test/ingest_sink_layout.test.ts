// The commit counts views per minute from the events Parquet; the per-file minute_counts
// Parquet of older sinks is no longer written or read. A sink written before (minute counts beside the
// views, views outside today's window from before the window existed) still commits, by today's rules.
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { type FileManifest, getProductViewsPerMinute, migrate, type Store } from "@ctr/schemas";
import { commitPlatformDay, fileIdOf, LocalFolder, openStore, outputKey } from "@ctr/workers";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeDir, tempDir } from "./support/ingest_fixtures.ts";

const DAY = "2016-02-01";
const FILE = `iOS/${DAY}/old.ndjson`;
let dir: string;
let store: Store;
let sink: LocalFolder;

/** Runs DuckDB statements in a throwaway instance: how the older release wrote its Parquet. */
async function duck(...statements: string[]): Promise<void> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    for (const sql of statements) await connection.run(sql);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

beforeAll(async () => {
  dir = await tempDir("sink-layout");
  sink = new LocalFolder(path.join(dir, "parquet"));
  const id = fileIdOf(FILE);
  const events = sink.pathOf(outputKey("events", "iOS", DAY, id));
  const counts = sink.pathOf(outputKey("minute_counts", "iOS", DAY, id));
  await mkdir(path.dirname(events), { recursive: true });
  await mkdir(path.dirname(counts), { recursive: true });
  // Views at 10:00:30.5 and 10:00:59.9 (one minute), 10:01, and three a sink from before the
  // window could hold: years off, NaN, and just past the window's end.
  const times = [
    Date.UTC(2016, 1, 1, 10, 0, 30.5),
    Date.UTC(2016, 1, 1, 10, 0, 59.9),
    Date.UTC(2016, 1, 1, 10, 1),
    1e15,
    Number.NaN,
    Date.UTC(2016, 1, 3),
  ];
  await duck(
    `COPY (SELECT ts::DOUBLE AS ts_ms, 'P1' AS product, 'iOS' AS platform, '679644799952992001' AS event_id,
            NULL::VARCHAR AS session_id, '1' AS mpid, '${FILE}' AS source_file
          FROM unnest([${times.map((t) => (Number.isNaN(t) ? "'NaN'::DOUBLE" : String(t))).join(", ")}]) AS u(ts))
     TO '${events}' (FORMAT parquet, COMPRESSION zstd)`,
    // Counts the commit must no longer read.
    `COPY (SELECT TIMESTAMPTZ '2016-02-01 10:00:00+00' AS minute, 'iOS' AS platform, 'P1' AS product, 1000::UBIGINT AS views)
     TO '${counts}' (FORMAT parquet)`,
  );
  const manifest: FileManifest = {
    file: FILE,
    size: 1,
    etag: "1",
    batches: 6,
    events: 6,
    views: 6,
    ignored: 0,
    malformed: 0,
    status: "loaded",
    reason: "",
    malformed_locations: [],
  };
  await sink.putText(outputKey("manifest", "iOS", DAY, id), `${JSON.stringify(manifest)}\n`);
  store = openStore({ kind: "embedded", path: path.join(dir, "clickhouse"), database: "default" });
  await migrate(store);
});

afterAll(async () => {
  await store?.close();
  await removeDir(dir);
});

describe("a sink written before the commit counted minutes itself", () => {
  it("commits the views of the events Parquet inside the window, per minute, and ignores old minute counts", async () => {
    const result = await commitPlatformDay({ platform: "iOS", day: DAY }, { store, sink, s3: { region: "us-east-1" } });
    expect(result).toMatchObject({ files: 1, rows: 2, views: 3 });
    expect(await getProductViewsPerMinute(store.client, { from: DAY, to: DAY })).toEqual([
      { day: DAY, platform: "iOS", minute: "2016-02-01 10:00:00", product: "P1", views: 2 },
      { day: DAY, platform: "iOS", minute: "2016-02-01 10:01:00", product: "P1", views: 1 },
    ]);
  });
});
