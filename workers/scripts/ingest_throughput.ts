/**
 * Measures the shard processor against a bare DuckDB query doing the same conversion (JSON ->
 * views Parquet -> per-minute counts) on the same file, and the peak RSS of the process.
 *
 *   npx tsx workers/scripts/ingest_throughput.ts FILE [--memory-mb 512] [--threads N] [--skip-bare]
 *
 * FILE is read in place as an iOS file of 2016-02-01; the outputs go to a temporary sink. The
 * bare query is the baseline: read_json with explicit columns -> COPY to Parquet, then
 * per-minute counts from that Parquet. Not part of `npm test`: it reads hundreds of MB.
 */
import { mkdtemp, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { DuckDBInstance } from "@duckdb/node-api";
import { processShard } from "../src/ingest/process_shard.ts";
import { LocalFolder } from "../src/source/local_folder.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    "memory-mb": { type: "string", default: "512" },
    threads: { type: "string", default: String(os.availableParallelism()) },
    "skip-bare": { type: "boolean", default: false },
  },
});
const file = path.resolve(positionals[0] ?? "");
const { size } = await stat(file);
const work = await mkdtemp(path.join(os.tmpdir(), "ctr-throughput-"));
const memoryLimitMb = Number(values["memory-mb"]);
const threads = Number(values.threads);

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 20);

async function bare(): Promise<number> {
  const instance = await DuckDBInstance.create(":memory:", {
    memory_limit: `${memoryLimitMb}MB`,
    threads: String(threads),
    temp_directory: path.join(work, "bare-spill"),
  });
  const c = await instance.connect();
  const started = performance.now();
  await c.run(
    `COPY (SELECT e.data.timestamp_unixtime_ms AS ts_ms, e.data.custom_attributes.codeColor AS product, 'iOS' AS platform,
       e.data.event_id AS event_id, e.data.session_id AS session_id, mpid, 'f' AS source_file
     FROM (SELECT unnest(events) AS e, mpid FROM read_json($path, columns = {events: 'STRUCT(event_type VARCHAR, data STRUCT(event_name VARCHAR, timestamp_unixtime_ms DOUBLE, event_id VARCHAR, session_id VARCHAR, custom_attributes STRUCT(codeColor VARCHAR)))[]', mpid: 'VARCHAR'}))
     WHERE e.event_type = 'custom_event' AND e.data.event_name = 'product' AND e.data.custom_attributes.codeColor <> '')
     TO '${path.join(work, "bare.parquet")}' (FORMAT parquet, COMPRESSION zstd)`,
    { path: file },
  );
  await c.run(
    `COPY (SELECT to_timestamp(floor(ts_ms / 60000) * 60) AS minute, platform, product, count(*) AS views
     FROM read_parquet('${path.join(work, "bare.parquet")}') GROUP BY ALL) TO '${path.join(work, "bare_counts.parquet")}' (FORMAT parquet, COMPRESSION zstd)`,
  );
  const seconds = (performance.now() - started) / 1000;
  c.closeSync();
  instance.closeSync();
  return seconds;
}

async function shard(): Promise<{ seconds: number; views: number }> {
  const source = new LocalFolder(path.dirname(file));
  const sink = new LocalFolder(path.join(work, "sink"));
  const started = performance.now();
  const result = await processShard(
    { platform: "iOS", day: "2016-02-01", files: [{ key: path.basename(file), size, etag: "0" }] },
    { source, sink, engine: { memoryLimitMb, threads, tempDir: path.join(work, "tmp") } },
  );
  return { seconds: (performance.now() - started) / 1000, views: result.files[0]?.views ?? 0 };
}

try {
  const ours = await shard();
  const shardRss = peakRss;
  const bareSeconds = values["skip-bare"] ? Number.NaN : await bare();
  const mb = size / 1024 / 1024;
  console.log(`file ${file}: ${mb.toFixed(0)} MB, ${ours.views} views`);
  console.log(
    `shard processor: ${ours.seconds.toFixed(2)} s, ${Math.round(ours.views / ours.seconds)} views/s, ${(mb / ours.seconds).toFixed(0)} MB/s, peak RSS ${(shardRss / 1024 / 1024).toFixed(0)} MB`,
  );
  if (!values["skip-bare"]) {
    console.log(`bare DuckDB query: ${bareSeconds.toFixed(2)} s; ratio ${(ours.seconds / bareSeconds).toFixed(2)}x`);
  }
  console.log(
    `peak RSS overall ${(peakRss / 1024 / 1024).toFixed(0)} MB (memory limit ${memoryLimitMb} MB, ${threads} threads)`,
  );
} finally {
  clearInterval(sampler);
  await rm(work, { recursive: true, force: true });
}
