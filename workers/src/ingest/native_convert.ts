import { mkdir, rename, rm } from "node:fs/promises";
import type { ViewTimeWindow } from "@ctr/schemas";
import type { DuckDBConnection } from "@duckdb/node-api";
import { loadEngine } from "./engine.ts";
import type { ScanCounter } from "./engine_counts.ts";
import type { FileShape } from "./file_shape.ts";

/**
 * How the ids are read. BIGINT first: DuckDB parses a JSON integer (or a string of one) into a
 * 64-bit integer exactly, never through a double, and the views Parquet stores it as INT64, which
 * costs clearly less CPU than its text (docs/BENCHMARKS.md §1, "Each cost against the floor"). An id
 * no 64-bit integer can hold (text, beyond the signed range, an object) makes the reader refuse the
 * file; it is then read again with VARCHAR ids, which keep each id's exact text (isRefusedByIdType).
 * What DuckDB's cast does turn into an integer though it is no 64-bit id (true, a fraction, "0x10")
 * is stored as that integer.
 */
export type IdType = "BIGINT" | "VARCHAR";

/**
 * The batch shape the engine reads, with explicit types so DuckDB parses each file without
 * sampling it. `timestamp_unixtime_ms` and `codeColor` are JSON, kept as their JSON text, so their
 * JSON type shows in their first character: the contract wants a string product (a numeric
 * codeColor is ignored, not converted to text) and a numeric time (a view with a string time is
 * malformed). As DOUBLE and VARCHAR the reader would cast a string time and a numeric codeColor
 * without a word; the JSON text and its casts are the price of those rules on a clean file
 * (docs/BENCHMARKS.md §1, "Each cost against the floor").
 */
const batchColumns = (ids: IdType) =>
  `{events: 'STRUCT(event_type VARCHAR, data STRUCT(event_name VARCHAR, timestamp_unixtime_ms JSON, event_id ${ids}, session_id ${ids}, custom_attributes STRUCT(codeColor JSON)))[]', mpid: '${ids}'}`;

/** The JSON text of the two typed-by-JSON fields, next to the event and what came with it. */
const EVENT_TEXTS = `*, e.data.timestamp_unixtime_ms::VARCHAR AS time_json, e.data.custom_attributes.codeColor::VARCHAR AS product_json`;

/**
 * classifyEvent's view rule on the JSON text: a custom_event named product whose codeColor is a
 * JSON string (its text starts with a quote) other than "". A NULL anywhere makes it no view.
 */
const IS_VIEW = `coalesce(e.event_type = 'custom_event' AND e.data.event_name = 'product'
  AND starts_with(product_json, '"') AND product_json <> '""', false)`;

/**
 * The product: the string's text without its quotes, unless it holds an escape, which only a JSON
 * reader may undo. Without a backslash a JSON string's text has no quote but its two delimiters, so
 * dropping every quote is exact (and cheaper than slicing characters, measured).
 */
const PRODUCT = `CASE WHEN contains(product_json, '\\') THEN json_extract_string(product_json, '$') ELSE replace(product_json, '"', '') END`;

/**
 * A view's time when it is a JSON number, else NULL: a string's text starts with a quote, and
 * true, false, null, arrays and objects do not cast. A number beyond a double's range does not
 * cast either, and huge integers lose digits, which cannot matter inside the window. NULL is
 * outside every window.
 */
const VIEW_TIME = `CASE WHEN NOT starts_with(time_json, '"') THEN TRY_CAST(time_json AS DOUBLE) END`;

/** judgeViewTime's window in SQL. NaN is outside too: DuckDB orders it above every number. */
const INSIDE_WINDOW = "ts_ms >= $windowFrom AND ts_ms < $windowTo";

/**
 * productTextFault in SQL, on a view's JSON text: its product holds no U+FFFD, raw or escaped. The
 * reader refuses a lone surrogate and bytes that are not UTF-8, so such a file reaches the locator,
 * whose clean copy writes them as U+FFFD; a raw U+FFFD is what those bytes read as. Only a string
 * with an escape is decoded to look, so a clean file pays one substring test per view.
 */
const PRODUCT_IS_TEXT = `NOT (contains(product_json, '\uFFFD') OR (contains(product_json, '\\') AND contains(${PRODUCT}, '\uFFFD')))`;

/** What a view must be to be stored, on the decoded `product` of the views Parquet: the window, and text. */
const STORABLE = `${INSIDE_WINDOW} AND NOT contains(product, '\uFFFD')`;
const windowParams = (window: ViewTimeWindow) => ({ windowFrom: window.fromMs, windowTo: window.toMs });

/** Marks the errors the fast path raises on purpose, so they are told from the reader's own. */
const FLAG = "ctr:flag";

/**
 * A record the contract calls malformed stops the fast path: the statement raises, naming what it
 * found, and the file goes through the locator, which finds and reports every such record.
 */
const flag = (what: string) => `error('${FLAG} ${what}')`;

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

/** True for the fast path's own stop on a malformed record, as opposed to the reader refusing the file. */
export function isFlagged(error: unknown): boolean {
  return isInputError(error) && (error as Error).message.includes(FLAG);
}

/**
 * True when the reader refused a file read with BIGINT ids for something other than a malformed
 * record: an id no 64-bit integer holds, or anything else the VARCHAR reading decides on its own.
 */
const isRefusedByIdType = (ids: IdType, error: unknown) => ids === "BIGINT" && isInputError(error) && !isFlagged(error);

/** Counts of one file's pass through the engine. */
export interface NativeCounts {
  batches: number;
  /** Events in the batches, the refused views included. */
  events: number;
  /** Product views inside the window: the ones stored. */
  views: number;
  /** Product views without a numeric time inside the window, or whose product is no text: malformed, never stored. */
  refused: number;
}

/** A file for the engine to convert. */
export interface ConvertInput {
  path: string;
  shape: FileShape;
  /** The largest JSON value to read: maxObjectBytes of the shape the batches came in. */
  maxObjectBytes: number;
}

/**
 * Where a conversion writes the views of a file of a day's folder, and that folder's window. The
 * platform, day and source file are the sink's key of the views Parquet and its manifest, not
 * columns of every row.
 */
export interface ConvertTarget {
  window: ViewTimeWindow;
  eventsParquet: string;
}

/** Quotes a path for the one place DuckDB takes no parameter, the COPY target: our own temp files. */
function quotePath(file: string): string {
  return `'${file.replaceAll("'", "''")}'`;
}

/** The scan of one file's batches. */
const readBatches = (ids: IdType, ignoreErrors: boolean) =>
  `read_json($path, format = $shape, columns = ${batchColumns(ids)}, compression = 'auto_detect',
     maximum_object_size = $maxObject, ignore_errors = ${ignoreErrors})`;
/** The views' columns as the events Parquet holds them. */
const VIEW_COLUMNS = `ts_ms, ${PRODUCT} AS product, e.data.event_id AS event_id, e.data.session_id AS session_id, mpid`;

const readParams = (input: ConvertInput) => ({
  path: input.path,
  shape: input.shape,
  maxObject: input.maxObjectBytes,
});

/**
 * The fast path's views of the batches `from` yields (`events`, `mpid`, and the `carry` columns,
 * which lead the output): the events Parquet's columns. It raises (a flag) at the first record the
 * contract calls malformed that the reader lets through: a batch without an events array, an event
 * that is no object, a view without a numeric time inside the window or whose product is no text.
 */
function flaggedViews(from: string, carry?: string): string {
  const carried = carry ? `${carry}, ` : "";
  return `SELECT ${carried}${VIEW_COLUMNS}
         FROM (SELECT *, ${VIEW_TIME} AS ts_ms
               FROM (SELECT ${EVENT_TEXTS}
                     FROM (SELECT ${carried}unnest(events) AS e, mpid FROM ${from}
                           WHERE CASE WHEN events IS NULL THEN ${flag("a batch without an events array")} ELSE true END)))
         WHERE CASE WHEN e IS NULL THEN ${flag("an event that is not an object")}
                    WHEN NOT ${IS_VIEW} THEN false
                    WHEN ${INSIDE_WINDOW} AND ${PRODUCT_IS_TEXT} THEN true
                    ELSE ${flag("a product view without a numeric time inside the window, or whose product is no text")} END`;
}

/**
 * The fast path for a source file: one statement, one parse, writes the views to the events
 * Parquet (zstd) in file order, while the engine's own operator counters give the batches and
 * events (ScanCounter). It stops (throws isFlagged) at the first record the contract calls
 * malformed that the reader lets through: a batch without an events array, an event that is no
 * object, a view without a numeric time inside the window or whose product is no text (a U+FFFD).
 * The reader itself throws on text
 * that is not JSON of the batch shape. Either way the caller sends the file to the locator.
 */
export async function convertSourceFile(
  counter: ScanCounter,
  input: ConvertInput,
  target: ConvertTarget,
  ids: IdType = "BIGINT",
): Promise<NativeCounts> {
  try {
    const { result, counts } = await counter.run((connection) =>
      connection.runAndReadAll(
        `COPY (${flaggedViews(readBatches(ids, false))})
         TO ${quotePath(target.eventsParquet)} (FORMAT parquet, COMPRESSION zstd, RETURN_STATS true)`,
        { ...readParams(input), ...windowParams(target.window) },
      ),
    );
    const views = Number(result.getRowObjectsJS()[0]?.count ?? 0);
    return { ...counts, views, refused: 0 };
  } catch (error) {
    if (isRefusedByIdType(ids, error)) return convertSourceFile(counter, input, target, "VARCHAR");
    throw error;
  }
}

/** One file of a group: what convertSourceFile takes for it. */
export interface GroupMember {
  input: ConvertInput;
  target: ConvertTarget;
}

/** The `part` of a partitioned COPY's output, from RETURN_STATS' `partition_keys` ([{key, value}]). */
function partitionOf(keys: unknown): number {
  const entry = Array.isArray(keys)
    ? (keys as unknown[]).find((k): k is { key: string; value: unknown } => (k as { key?: unknown })?.key === "part")
    : undefined;
  if (entry === undefined) throw new Error(`the engine's COPY reported no part: ${JSON.stringify(keys)}`);
  return Number(entry.value);
}

/** The temporary table a group's batches are parsed into: one group at a time per connection. */
const GROUP_BATCHES = "group_batches";

/**
 * The fast path for several small files of one shard (one shape, platform and window): one parse
 * of them all into a temporary table (`filename` tells the files apart), one partitioned COPY that
 * writes each file's views to its own Parquet, and one count of each file's batches and events. A statement per
 * file costs milliseconds of set-up and file handling around DuckDB's reader, which on small files
 * outweighs converting them (docs/BENCHMARKS.md, "Decisions measured once"). The outputs and counts are those
 * convertSourceFile gives each file. It throws as convertSourceFile does (isInputError, isFlagged)
 * when any file of the group holds what the fast path refuses; the caller then converts each file
 * on its own, so only the files that hold it go through the locator. `scratch` is a folder of the
 * caller's that this may fill and empties.
 */
export async function convertSourceGroup(
  connection: DuckDBConnection,
  members: readonly GroupMember[],
  scratch: string,
): Promise<NativeCounts[]> {
  const [first] = members;
  if (!first) return [];
  const { input, target } = first;
  const alike = (m: GroupMember) =>
    m.input.shape === input.shape &&
    m.target.window.fromMs === target.window.fromMs &&
    m.target.window.toMs === target.window.toMs;
  if (!members.every(alike)) throw new Error("a group's files must share their shape and window");
  const { LIST, VARCHAR, listValue } = loadEngine();
  const paths = listValue(members.map((m) => m.input.path));
  await mkdir(scratch, { recursive: true });
  try {
    await connection.run(
      `CREATE OR REPLACE TEMP TABLE ${GROUP_BATCHES} AS
       SELECT list_position($paths, filename) AS part, events, mpid
       FROM read_json($paths, format = $shape, columns = ${batchColumns("BIGINT")}, compression = 'auto_detect',
                      maximum_object_size = $maxObject, filename = true)`,
      { paths, shape: input.shape, maxObject: Math.max(...members.map((m) => m.input.maxObjectBytes)) },
      { paths: LIST(VARCHAR) },
    );
    const written = await connection.runAndReadAll(
      `COPY (${flaggedViews(GROUP_BATCHES, "part")})
       TO ${quotePath(scratch)} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (part), RETURN_STATS true)`,
      windowParams(target.window),
    );
    const views = new Map<number, { file: string; count: number }>();
    for (const row of written.getRowObjectsJS()) {
      views.set(partitionOf(row.partition_keys), { file: String(row.filename), count: Number(row.count) });
    }
    const scanned = await connection.runAndReadAll(
      `SELECT part, count(*) AS batches, coalesce(sum(len(events)), 0) AS events FROM ${GROUP_BATCHES} GROUP BY part`,
    );
    const counts = new Map(
      scanned
        .getRowObjectsJS()
        .map((row) => [Number(row.part), { batches: Number(row.batches), events: Number(row.events) }]),
    );
    const result: NativeCounts[] = [];
    for (const [i, member] of members.entries()) {
      const part = i + 1;
      const output = views.get(part);
      if (output) {
        await rename(output.file, member.target.eventsParquet);
      } else {
        // No view: the file still gets its (empty) events Parquet, as convertSourceFile writes one.
        await connection.run(
          `COPY (SELECT * EXCLUDE (part) FROM (${flaggedViews(GROUP_BATCHES, "part")}) LIMIT 0)
           TO ${quotePath(member.target.eventsParquet)} (FORMAT parquet, COMPRESSION zstd)`,
          windowParams(target.window),
        );
      }
      const scan = counts.get(part) ?? { batches: 0, events: 0 };
      result.push({ ...scan, views: output?.count ?? 0, refused: 0 });
    }
    return result;
  } finally {
    await connection.run(`DROP TABLE IF EXISTS ${GROUP_BATCHES}`);
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * Converts the clean copy the locator wrote, whose malformed batches are gone but whose refused
 * views are still in their batches: every view is written, then the ones outside the window or
 * whose product holds U+FFFD (STORABLE) are counted and dropped, so the engine's own judgement
 * decides what is stored and what is reported.
 * Read with DuckDB's `ignore_errors`, so that what its reader still refuses in valid JSON (a
 * duplicate key, which JSON.parse lets pass) cannot fail the file again; its reader then takes the
 * first of duplicate keys.
 */
export async function convertCleanCopy(
  counter: ScanCounter,
  input: ConvertInput,
  target: ConvertTarget,
): Promise<NativeCounts> {
  const all = `${target.eventsParquet}.all`;
  try {
    return await keepViewsInside(counter, all, input, target);
  } finally {
    await rm(all, { force: true });
  }
}

async function keepViewsInside(
  counter: ScanCounter,
  all: string,
  input: ConvertInput,
  target: ConvertTarget,
): Promise<NativeCounts> {
  // BIGINT ids are read strictly, so that no refused id passes unseen; what the reader then refuses
  // is read again as before: VARCHAR ids, and ignore_errors for what JSON.parse let pass.
  const viewsOf = (ids: IdType) =>
    counter.run((connection) =>
      connection.run(
        `COPY (
           SELECT ${VIEW_COLUMNS}
           FROM (SELECT *, ${VIEW_TIME} AS ts_ms
                 FROM (SELECT ${EVENT_TEXTS} FROM (SELECT unnest(events) AS e, mpid FROM ${readBatches(ids, ids === "VARCHAR")})))
           WHERE ${IS_VIEW}
         ) TO ${quotePath(all)} (FORMAT parquet, COMPRESSION zstd)`,
        readParams(input),
      ),
    );
  const { counts } = await viewsOf("BIGINT").catch((error: unknown) => {
    if (isRefusedByIdType("BIGINT", error)) return viewsOf("VARCHAR");
    throw error;
  });
  const connection = counter.connection;
  const judged = (
    await connection.runAndReadAll(
      `SELECT count(*) AS views, count(*) FILTER (WHERE ${STORABLE}) AS inside FROM read_parquet($all)`,
      { all, ...windowParams(target.window) },
    )
  ).getRowObjectsJS()[0];
  const views = Number(judged?.views ?? 0);
  const inside = Number(judged?.inside ?? 0);
  if (inside === views) {
    await rename(all, target.eventsParquet);
  } else {
    await connection.run(
      `COPY (SELECT * FROM read_parquet($all) WHERE ${STORABLE})
       TO ${quotePath(target.eventsParquet)} (FORMAT parquet, COMPRESSION zstd)`,
      { all, ...windowParams(target.window) },
    );
  }
  return { ...counts, views: inside, refused: views - inside };
}
