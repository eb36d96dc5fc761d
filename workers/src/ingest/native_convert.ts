import { rename } from "node:fs/promises";
import type { ViewTimeWindow } from "@ctr/schemas";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { FileShape } from "./file_shape.ts";

/**
 * The batch shape the engine reads, with explicit types so DuckDB parses each file without
 * sampling it. Ids are VARCHAR: DuckDB keeps the exact digits of a JSON number, so 64-bit ids
 * never pass through a double. `timestamp_unixtime_ms` and `codeColor` are JSON so their JSON
 * type can be checked: the contract wants a string product (a numeric codeColor is ignored, not
 * converted to text) and a numeric time (a view with a string time is malformed). Measured on the
 * sample: the JSON-typed columns cost no more than VARCHAR/DOUBLE ones.
 */
const BATCH_COLUMNS = `{events: 'STRUCT(event_type VARCHAR, data STRUCT(event_name VARCHAR, timestamp_unixtime_ms JSON, event_id VARCHAR, session_id VARCHAR, custom_attributes STRUCT(codeColor JSON)))[]', mpid: 'VARCHAR'}`;

/** classifyEvent's view rule in SQL: a custom_event named product with a non-empty string codeColor. */
const IS_VIEW = `e.event_type = 'custom_event' AND e.data.event_name = 'product'
  AND json_type(e.data.custom_attributes.codeColor) = 'VARCHAR' AND (e.data.custom_attributes.codeColor->>'$') <> ''`;

/**
 * A view's time when it is a JSON number, else NULL. The cast never fails: any JSON number becomes
 * the nearest double (huge integers lose digits, which cannot matter inside the window), and one
 * beyond a double's range becomes NULL. A NULL time is outside every window.
 */
const VIEW_TIME = `CASE WHEN json_type(e.data.timestamp_unixtime_ms) IN ('DOUBLE', 'UBIGINT', 'BIGINT', 'HUGEINT')
  THEN e.data.timestamp_unixtime_ms::DOUBLE END`;

/**
 * judgeViewTime's window in SQL, on the views Parquet's `ts_ms`: the rows that may be stored.
 * A NULL time is outside, and so is NaN (DuckDB orders it above every number). Only rows inside
 * reach a cast to a minute.
 */
const INSIDE_WINDOW = "ts_ms >= $windowFrom AND ts_ms < $windowTo";
const windowParams = (window: ViewTimeWindow) => ({ windowFrom: window.fromMs, windowTo: window.toMs });

const MB = 1024 * 1024;

/**
 * The largest JSON value the engine accepts for a shape. DuckDB allocates reader buffers of about
 * twice that size, whatever the file's size, so only the one-object shape, whose value is the
 * whole file, gets more than DuckDB's default of 16 MB (plenty for one batch of an array or
 * NDJSON file): an eighth of the memory limit, at most 64 MB. Raising it for every shape ran the
 * 482 MB NDJSON sample out of a 512 MB limit.
 */
export function maxObjectBytes(shape: FileShape, memoryLimitMb: number): number {
  return shape === "unstructured" ? Math.max(16 * MB, Math.min(64 * MB, (memoryLimitMb * MB) / 8)) : 16 * MB;
}

/** DuckDB errors that say the input is not JSON of the declared shape; others (memory, disk) are not about the data. */
export function isInputError(error: unknown): boolean {
  return error instanceof Error && /^(Invalid Input|Conversion) Error/.test(error.message);
}

/** Counts of one file's pass through the engine. */
export interface NativeCounts {
  batches: number;
  /** Events in the batches, the views outside the window included. */
  events: number;
  /** Product views inside the window: the ones that may be stored. */
  views: number;
  /** Product views without a numeric time or outside the window: malformed, never stored. */
  outside: number;
  /** Batches without an `events` array: malformed. */
  noEvents: number;
}

/** Whether a pass found records the contract calls malformed: then the file goes through the locator. */
export const isSuspect = (counts: NativeCounts) => counts.outside + counts.noEvents > 0;

/** The Parquet outputs of one source file, written to local temporary paths. */
export interface NativeOutputs {
  eventsParquet: string;
  countsParquet: string;
}

/** A file for convertFile. */
export interface ConvertInput {
  path: string;
  shape: FileShape;
  /** The largest JSON value to read: maxObjectBytes of the shape the batches came in. */
  maxObjectBytes: number;
  /**
   * A clean copy the locator wrote: read with DuckDB's `ignore_errors`, so that what its reader
   * still refuses in valid JSON (a duplicate key, which JSON.parse lets pass) cannot fail the file
   * again. Its reader then takes the first of duplicate keys. Never for a source file: there an
   * error must send the file to the locator. Default false.
   */
  cleaned?: boolean;
}

/** Quotes a path for the one place DuckDB takes no parameter, the COPY target: our own temp files. */
function quotePath(file: string): string {
  return `'${file.replaceAll("'", "''")}'`;
}

const count = (value: unknown) => Number(value ?? 0);

/**
 * Converts one event file natively, streaming: the view rows go straight to the events Parquet
 * (zstd) while a second pass, which only aggregates, counts batches and events. Measured on
 * 482 MB: a temp table of per-batch views, or a list_filter lambda, cost 2x and more the bare
 * query; one parse writing views and per-batch marker rows to a scratch Parquet, split afterwards,
 * cost ~15% more CPU than these two passes on 63 MB of NDJSON. Throws DuckDB's error when the file is not valid
 * JSON of the batch shape; the caller then locates the bad records and retries on a cleaned copy.
 */
export async function convertFile(
  connections: readonly [DuckDBConnection, DuckDBConnection],
  input: ConvertInput,
  meta: { platform: string; sourceFile: string; window: ViewTimeWindow },
  eventsParquet: string,
): Promise<NativeCounts> {
  const [viewsPass, countPass] = connections;
  const readParams = {
    path: input.path,
    shape: input.shape,
    maxObject: input.maxObjectBytes,
    cleaned: input.cleaned ?? false,
  };
  // The two passes run at once on two connections: a JSON array is read by one thread, so the
  // count pass would otherwise leave a core idle (measured: 1.4-1.8x the bare query instead of 1.8-2.7x).
  // allSettled: when one pass fails the other still finishes before the connections are reused.
  // The count pass declares the same columns as the views pass, so both reject exactly the same
  // input. A single declared column (only `events`) made DuckDB's reader slower: best-of-5 CPU
  // 0.17 s against 0.08 s on the 24 MB sample array, 0.12-0.26 s against 0.10-0.15 s on 63 MB of NDJSON.
  const [viewsDone, countDone] = await Promise.allSettled([
    viewsPass.run(
      `COPY (
         SELECT ${VIEW_TIME} AS ts_ms,
                e.data.custom_attributes.codeColor->>'$' AS product,
                $platform AS platform,
                e.data.event_id AS event_id,
                e.data.session_id AS session_id,
                mpid,
                $source AS source_file
         FROM (SELECT unnest(events) AS e, mpid
               FROM read_json($path, format = $shape, columns = ${BATCH_COLUMNS}, compression = 'auto_detect',
                 maximum_object_size = $maxObject, ignore_errors = $cleaned))
         WHERE ${IS_VIEW}
       ) TO ${quotePath(eventsParquet)} (FORMAT parquet, COMPRESSION zstd)`,
      { ...readParams, platform: meta.platform, source: meta.sourceFile },
    ),
    countPass.runAndReadAll(
      `SELECT count(*) AS batches, sum(len(events)) AS events, count(*) FILTER (WHERE events IS NULL) AS no_events
       FROM read_json($path, format = $shape, columns = ${BATCH_COLUMNS}, compression = 'auto_detect',
         maximum_object_size = $maxObject, ignore_errors = $cleaned)`,
      readParams,
    ),
  ]);
  if (viewsDone.status === "rejected") throw viewsDone.reason;
  if (countDone.status === "rejected") throw countDone.reason;
  const batches = countDone.value.getRowObjectsJS()[0];
  // The views pass writes every product view; the window is judged here, on the Parquet of views
  // only, so a file with none outside costs two comparisons per view.
  const views = (
    await viewsPass.runAndReadAll(
      `SELECT count(*) AS views, count(*) FILTER (WHERE ${INSIDE_WINDOW}) AS inside FROM read_parquet($events)`,
      { events: eventsParquet, ...windowParams(meta.window) },
    )
  ).getRowObjectsJS()[0];
  return {
    batches: count(batches?.batches),
    events: count(batches?.events),
    views: count(views?.inside),
    outside: count(views?.views) - count(views?.inside),
    noEvents: count(batches?.no_events),
  };
}

/** Rewrites a views Parquet without the views outside the window, in the same order. */
export async function dropViewsOutside(
  connection: DuckDBConnection,
  eventsParquet: string,
  window: ViewTimeWindow,
): Promise<void> {
  const kept = `${eventsParquet}.kept`;
  await connection.run(
    `COPY (SELECT * FROM read_parquet($events) WHERE ${INSIDE_WINDOW})
     TO ${quotePath(kept)} (FORMAT parquet, COMPRESSION zstd)`,
    { events: eventsParquet, ...windowParams(window) },
  );
  await rename(kept, eventsParquet);
}

/**
 * Derives the per-minute view counts from a file's events Parquet. Minutes are UTC: floor(ms / 60000),
 * so 13:55:59.9 counts in 13:55. Only views inside the window are counted: the events Parquet holds
 * no others, and the filter keeps the cast to a minute from ever seeing a time it cannot hold.
 */
export async function writeMinuteCounts(
  connection: DuckDBConnection,
  eventsParquet: string,
  countsParquet: string,
  window: ViewTimeWindow,
): Promise<void> {
  await connection.run(
    `COPY (
       SELECT make_timestamptz(CAST(floor(ts_ms / 60000) AS BIGINT) * 60000000) AS minute,
              platform, product, count(*)::UBIGINT AS views
       FROM read_parquet($events)
       WHERE ${INSIDE_WINDOW}
       GROUP BY ALL ORDER BY ALL
     ) TO ${quotePath(countsParquet)} (FORMAT parquet, COMPRESSION zstd)`,
    { events: eventsParquet, ...windowParams(window) },
  );
}
