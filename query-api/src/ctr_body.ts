import type { Readable } from "node:stream";
import type { ClickHouseSettings } from "@clickhouse/client";
import { type Store, StoreError } from "@ctr/schemas";
import type { CtrQuery } from "./ctr_query.ts";
import { HttpError } from "./http_error.ts";
import { RESPONSE_FORMATS, type ResponseFormat } from "./response_format.ts";

export interface CtrBodyOptions {
  format: ResponseFormat;
  /** ClickHouse stops the query past this many seconds (`max_execution_time`). */
  maxExecutionSeconds: number;
  /** More result rows than this fail the statement (`max_result_rows`): the request gets 422 result_too_large. */
  maxResultRows: number;
  /** Aborts the query before its first bytes (the request timed out, the client left). */
  signal: AbortSignal;
  /** Called with the body's number of data rows, once they are known. */
  onRows?: (count: number) => void;
}

/** The 422 of a result over MAX_RESULT_ROWS; `atLeast`: what it is known to hold, when known before the query. */
export function resultTooLarge(limit: number, atLeast?: number): HttpError {
  const known = atLeast === undefined ? "" : ` (at least ${atLeast})`;
  return new HttpError(
    "result_too_large",
    `the result has more than ${limit} rows${known}, the limit: narrow the time range, use a larger aggregation, or filter by product or platform`,
  );
}

/**
 * The output settings this statement needs beyond OUTPUT_SETTINGS:
 * - counts are UInt64, which OUTPUT_SETTINGS quotes in JSON; the contract wants JSON numbers;
 * - a null CTR is an empty CSV field, not `\N`;
 * - Arrow: strings as Utf8 (not Binary), and no compression of the record batches, which the
 *   Arrow readers of several languages (apache-arrow for JS) cannot undo; HTTP compresses anyway;
 * - the JSON body is ClickHouse's own array of rows (JSONEachRow with `[`, `,` and `]`), so no row
 *   passes through JS: the engine's bytes are the body.
 */
function outputSettings(format: ResponseFormat): ClickHouseSettings {
  return {
    output_format_json_quote_64bit_integers: 0,
    format_csv_null_representation: "",
    output_format_arrow_string_as_string: 1,
    output_format_arrow_compression_method: "none",
    ...(format === "json" ? { output_format_json_array_of_rows: 1 } : {}),
  };
}

/**
 * What the statement does past MAX_RESULT_ROWS. A server fails it (`throw`). chDB is asked to stop
 * instead (`break`: the rows so far, more than the limit, and no error), because a chDB session
 * that fails a statement after it began writing its output hands that partial output (the JSON
 * array's brackets, CSV's header, Arrow's schema, whole blocks of rows) to the session's next
 * statement, which may be another request's. The caller counts the rows of chDB's result, which
 * arrives whole anyway (rowsOfWhole).
 */
type Overflow = "throw" | "break";

/** A server sends its status only once the statement has finished (see streamCtrBody). */
const HOLD_ANSWER: ClickHouseSettings = { wait_end_of_query: 1 };

/**
 * The settings go in the statement's SETTINGS clause: chDB applies the client's per-query settings
 * with a session-wide `SET`, which would leak into every later query of the process. A server also
 * gets the output settings as HTTP parameters (per query there): some server versions ignore format
 * settings in a SETTINGS clause that precedes the FORMAT (ClickHouse/ClickHouse#39712,
 * https://github.com/ClickHouse/ClickHouse/issues/39712).
 * `max_result_rows` counts the final result only (not the subqueries), so the statement overflows
 * exactly when the response would be over the limit.
 */
function settingsClause({ format, maxExecutionSeconds, maxResultRows }: CtrBodyOptions, overflow: Overflow): string {
  // Only constants and configuration numbers (validated at start-up) are written here, never request values.
  const output = Object.entries(outputSettings(format)).map(
    ([k, v]) => `${k} = ${typeof v === "string" ? `'${v}'` : v}`,
  );
  return `
SETTINGS ${output.join(", ")},
  max_execution_time = ${Math.ceil(maxExecutionSeconds)}, max_result_rows = ${Math.floor(maxResultRows)},
  result_overflow_mode = '${overflow}'`;
}

/** ClickHouse refused the result for `max_result_rows` (duck-typed: chDB raises client-common's ClickHouseError). */
function isResultOverLimit(error: unknown): boolean {
  const { type, message } = (error ?? {}) as { type?: unknown; message?: unknown };
  return type === "TOO_MANY_ROWS_OR_BYTES" && typeof message === "string" && message.includes("Limit for result");
}

/**
 * Runs the /ctr statement and returns ClickHouse's rendered bytes (a JSON array, NDJSON or CSV) as
 * the body, untouched. The promise settles only once the statement has finished, so a result over
 * the limit (or any error, a timeout) becomes a proper error response and never a truncated 200:
 * chDB hands over a statement's result whole and its rows are counted here; a server is asked to
 * hold its answer until the end (`wait_end_of_query`; beyond its memory buffer it spills to a
 * temporary file) because otherwise it sends 200 with the first block and writes a late error into
 * the body.
 */
export async function streamCtrBody(
  store: Store,
  query: CtrQuery,
  options: CtrBodyOptions,
): Promise<ReadableStream<Uint8Array>> {
  const { format, signal, onRows } = options;
  const embedded = store.kind === "embedded";
  // The request's signal only guards the wait for the answer; afterwards the body belongs to the
  // client, and cancelling the body (the client went away) aborts the transfer instead.
  const abort = new AbortController();
  const forward = () => abort.abort(signal.reason);
  signal.addEventListener("abort", forward, { once: true });
  let stream: Readable;
  try {
    // The client's raw `exec`: its `query` refuses formats it cannot parse (ArrowStream), and the
    // body is ClickHouse's bytes anyway.
    ({ stream } = await store.client.exec({
      query: `${query.rows}${settingsClause(options, embedded ? "break" : "throw")}\nFORMAT ${RESPONSE_FORMATS[format].clickhouse}`,
      query_params: { ...query.params },
      abort_signal: abort.signal,
      ...(embedded ? {} : { clickhouse_settings: { ...outputSettings(format), ...HOLD_ANSWER } }),
    }));
  } catch (error) {
    if (isResultOverLimit(error)) throw resultTooLarge(options.maxResultRows);
    // chDB rejects an aborted statement with its own error: the request's reason (its timeout, or
    // the client leaving) is what the response must say.
    throw new StoreError("ctr_rows", { cause: signal.aborted ? signal.reason : error });
  } finally {
    signal.removeEventListener("abort", forward);
  }
  if (embedded) {
    const whole = await readWhole(stream);
    const rows = await rowsOfWhole(format, whole);
    if (rows > options.maxResultRows) throw resultTooLarge(options.maxResultRows);
    onRows?.(rows);
    return new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(whole);
        controller.close();
      },
    });
  }
  // A server's Arrow body streams uncounted: its rows are in binary record batches (the server
  // enforces the limit itself).
  const lines = format === "arrow" ? undefined : new LineCounter(format);
  const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await chunks.next();
      if (next.done) {
        if (lines) onRows?.(lines.rows());
        controller.close();
      } else {
        lines?.add(next.value);
        controller.enqueue(next.value);
      }
    },
    cancel() {
      abort.abort();
      stream.destroy();
    },
  });
}

/** chDB's result: one buffer already (chdb/connection materializes it), joined only if it ever comes in pieces. */
async function readWhole(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
}

/** The data rows of a whole body: its lines for the text formats, its record batches' lengths for Arrow. */
async function rowsOfWhole(format: ResponseFormat, whole: Buffer): Promise<number> {
  if (format !== "arrow") {
    const lines = new LineCounter(format);
    lines.add(whole);
    return lines.rows();
  }
  // Loaded on the first Arrow answer only: reading the batches' headers references the buffer, copies nothing.
  const { RecordBatchReader } = await import("apache-arrow");
  let rows = 0;
  for (const batch of RecordBatchReader.from(whole)) rows += batch.numRows;
  return rows;
}

/** ClickHouse's empty JSON array of rows: `[`, an empty line, `]`. */
const EMPTY_JSON_ARRAY_BYTES = 5;
const NEWLINE = 0x0a;

/**
 * Counts the body's rows for the rows metric from its newlines (a native byte search per line,
 * nothing parsed): every row ends one line; the JSON array adds its two bracket lines (three
 * newlines when empty), CSV its header line.
 */
class LineCounter {
  private newlines = 0;
  private bytes = 0;

  constructor(private readonly format: ResponseFormat) {}

  add(chunk: Buffer): void {
    this.bytes += chunk.length;
    for (let at = chunk.indexOf(NEWLINE); at !== -1; at = chunk.indexOf(NEWLINE, at + 1)) this.newlines++;
  }

  rows(): number {
    if (this.format === "json") return this.bytes <= EMPTY_JSON_ARRAY_BYTES ? 0 : this.newlines - 2;
    if (this.format === "csv") return Math.max(0, this.newlines - 1);
    return this.newlines;
  }
}
