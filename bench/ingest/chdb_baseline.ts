import path from "node:path";
import { queryAsync } from "chdb";
import { type BaselineDetail, PLATFORM_FROM_PATH, quotePath } from "./baseline_sql.ts";

/**
 * The batch shape with explicit, non-Nullable types. JSONEachRow reads all the product's layouts
 * as they are: one batch per line, a JSON array of batches, a pretty-printed object; gzip by extension.
 */
export const EVENT_BATCH_SCHEMA =
  "events Array(Tuple(event_type String, data Tuple(event_name String, timestamp_unixtime_ms Float64, event_id String, session_id String, custom_attributes Tuple(codeColor String)))), mpid String";

const PARQUET_OUT = `output_format_parquet_compression_method = 'zstd', engine_file_truncate_on_insert = 1`;

/**
 * The chDB baseline: two statements over all day folders (a glob), JSON → views Parquet, then
 * per-minute counts from that Parquet, through chDB's own async API with its default settings
 * (max_threads = cores, parallel parsing).
 */
export async function convertWithChdb(sourceDir: string, outDir: string): Promise<BaselineDetail> {
  const glob = path.join(sourceDir, "*", "*", "*.{json,ndjson,jsonl,json.gz,ndjson.gz,jsonl.gz}");
  const views = path.join(outDir, "views.parquet");
  const counts = path.join(outDir, "minute_counts.parquet");
  const t0 = performance.now();
  await queryAsync(
    `INSERT INTO FUNCTION file(${quotePath(views)}, Parquet)
     SELECT e.data.timestamp_unixtime_ms AS ts_ms, e.data.custom_attributes.codeColor AS product,
            extract(_path, ${PLATFORM_FROM_PATH}) AS platform,
            e.data.event_id AS event_id, e.data.session_id AS session_id, mpid, _path AS source_file
     FROM file(${quotePath(glob)}, JSONEachRow, '${EVENT_BATCH_SCHEMA}') ARRAY JOIN events AS e
     WHERE e.event_type = 'custom_event' AND e.data.event_name = 'product' AND e.data.custom_attributes.codeColor != ''
     SETTINGS ${PARQUET_OUT}`,
  );
  const t1 = performance.now();
  await queryAsync(
    `INSERT INTO FUNCTION file(${quotePath(counts)}, Parquet)
     SELECT toDateTime(intDiv(toInt64(floor(ts_ms)), 60000) * 60, 'UTC') AS minute, platform, product, count() AS views
     FROM file(${quotePath(views)}, Parquet)
     GROUP BY minute, platform, product ORDER BY minute, platform, product
     SETTINGS ${PARQUET_OUT}`,
  );
  const t2 = performance.now();
  const check = await queryAsync(
    `SELECT count() AS rows, sum(views) AS views FROM file(${quotePath(counts)}, Parquet)`,
    { format: "JSONEachRow" },
  );
  const row = JSON.parse(check.text()) as { rows: string | number; views: string | number };
  return {
    engine: "chdb",
    statements: 2,
    views: Number(row.views),
    minuteRows: Number(row.rows),
    convertMs: t1 - t0,
    countsMs: t2 - t1,
  };
}
