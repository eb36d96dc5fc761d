import type { ClickHouseSettings } from "@clickhouse/client";
import { type Store, StoreError } from "@ctr/schemas";
import { streamArrowBody } from "./ctr_arrow_body.ts";
import type { CtrQuery } from "./ctr_query.ts";
import { RESPONSE_FORMATS, type ResponseFormat } from "./response_format.ts";

export interface CtrBodyOptions {
  format: ResponseFormat;
  /** ClickHouse stops the query past this many seconds (`max_execution_time`). */
  maxExecutionSeconds: number;
  /** ClickHouse fails the query past this many rows: a guard behind the up-front count, never reached normally. */
  maxResultRows: number;
  /** Aborts the query before its first bytes (the request timed out, the client left). */
  signal: AbortSignal;
  /** Called with the number of data rows in each chunk sent. */
  onRows?: (count: number) => void;
}

/**
 * The output settings this statement needs beyond OUTPUT_SETTINGS:
 * - counts are UInt64, which OUTPUT_SETTINGS quotes in JSON; the contract wants JSON numbers;
 * - a null CTR is an empty CSV field, not `\N`;
 * - Arrow: strings as Utf8 (not Binary), and no compression of the record batches, which the
 *   Arrow readers of several languages (apache-arrow for JS) cannot undo; HTTP compresses anyway.
 */
const ROW_OUTPUT_SETTINGS = {
  output_format_json_quote_64bit_integers: 0,
  format_csv_null_representation: "",
  output_format_arrow_string_as_string: 1,
  output_format_arrow_compression_method: "none",
} satisfies ClickHouseSettings;

/**
 * The settings go in the statement's SETTINGS clause: chDB applies the client's per-query settings
 * with a session-wide `SET`, which would leak into every later query of the process. A server also
 * gets the output settings as HTTP parameters (per query there): some server versions ignore format
 * settings in a SETTINGS clause that precedes the FORMAT the client appends (ClickHouse issue 39712).
 */
function settingsClause({ maxExecutionSeconds, maxResultRows }: CtrBodyOptions): string {
  // Only constants and configuration numbers (validated at start-up) are written here, never request values.
  const output = Object.entries(ROW_OUTPUT_SETTINGS).map(([k, v]) => `${k} = ${typeof v === "string" ? `'${v}'` : v}`);
  return `
SETTINGS ${output.join(", ")},
  max_execution_time = ${Math.ceil(maxExecutionSeconds)}, max_result_rows = ${Math.floor(maxResultRows)},
  result_overflow_mode = 'throw'`;
}

/**
 * Runs the /ctr rows statement and returns the body as a web stream that pulls from ClickHouse as
 * the client reads: ClickHouse renders every row (JSONEachRow or CSVWithNames) and the rows' text is
 * passed through as is, wrapped in `[`, `,` and `]` for the JSON array. On a ClickHouse server
 * nothing holds the whole result; the embedded chDB connection materializes the result before the
 * first row (a limit of chdb/connection), which the row limit keeps bounded.
 * Resolves once ClickHouse has accepted the query, so errors before the first row still become a
 * proper error response.
 */
export async function streamCtrBody(
  store: Store,
  query: CtrQuery,
  options: CtrBodyOptions,
): Promise<ReadableStream<Uint8Array>> {
  const { format, signal, onRows } = options;
  // The request's signal only guards the wait for the first bytes; afterwards the body belongs to
  // the client, and cancelling the body (the client went away) aborts the query instead.
  const abort = new AbortController();
  const forward = () => abort.abort(signal.reason);
  signal.addEventListener("abort", forward, { once: true });
  let resultSet: Awaited<ReturnType<typeof runQuery>>;
  try {
    if (format === "arrow") {
      const statement = `${query.rows}${settingsClause(options)}`;
      const httpSettings = store.kind === "server" ? ROW_OUTPUT_SETTINGS : undefined;
      return await streamArrowBody(store, statement, { ...query.params }, abort.signal, httpSettings);
    }
    resultSet = await runQuery(store, query, { ...options, format }, abort.signal);
  } catch (cause) {
    throw new StoreError("ctr_rows", { cause });
  } finally {
    signal.removeEventListener("abort", forward);
  }
  const chunks = renderChunks(resultSet.stream(), format, onRows);
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      abort.abort();
      resultSet.close();
      await chunks.return(undefined);
    },
  });
}

/** The formats ClickHouse renders row by row as text, which @clickhouse/client's `query` streams. */
type TextFormat = Exclude<ResponseFormat, "arrow">;

function runQuery(
  store: Store,
  query: CtrQuery,
  options: CtrBodyOptions & { format: TextFormat },
  signal: AbortSignal,
) {
  return store.client.query({
    query: `${query.rows}${settingsClause(options)}`,
    query_params: { ...query.params },
    format: RESPONSE_FORMATS[options.format].clickhouse,
    abort_signal: signal,
    ...(store.kind === "server" ? { clickhouse_settings: ROW_OUTPUT_SETTINGS } : {}),
  });
}

/**
 * Rows per body chunk. A server's rows arrive a socket read at a time, but chDB hands over its whole
 * result as one chunk: slicing keeps each body chunk small instead of copying the result twice more.
 */
const ROWS_PER_CHUNK = 2_000;

/** Turns ClickHouse's row chunks into body chunks of at most ROWS_PER_CHUNK rows, never the whole result. */
async function* renderChunks(
  rows: AsyncIterable<{ text: string }[]>,
  format: ResponseFormat,
  onRows?: (count: number) => void,
): AsyncGenerator<string> {
  let first = true;
  if (format === "json") yield "[";
  for await (const chunk of rows) {
    for (let i = 0; i < chunk.length; i += ROWS_PER_CHUNK) {
      const texts = chunk.slice(i, i + ROWS_PER_CHUNK).map((row) => row.text);
      if (format === "json") {
        yield `${first ? "\n" : ",\n"}${texts.join(",\n")}`;
        onRows?.(texts.length);
      } else {
        yield `${texts.join("\n")}\n`;
        // CSVWithNames' first line is the header, not a row.
        onRows?.(format === "csv" && first ? texts.length - 1 : texts.length);
      }
      first = false;
    }
  }
  if (format === "json") yield first ? "]\n" : "\n]\n";
}
