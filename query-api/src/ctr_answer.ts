import type { CtrRequest, CtrTopRequest } from "@ctr/schemas";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "./app_env.ts";
import { resultTooLarge, streamCtrBody } from "./ctr_body.ts";
import type { CtrQuery } from "./ctr_query.ts";
import { timeQuery } from "./metrics.ts";
import { errorResponse } from "./openapi.ts";
import { negotiateFormat, RESPONSE_FORMATS, type ResponseFormat } from "./response_format.ts";
import { answerKey } from "./result_cache.ts";

/**
 * What /ctr, /ctr/totals and /ctr/top share: one statement rendered by ClickHouse in the format
 * `Accept` picks, kept in the result cache, and the OpenAPI description of such a body.
 */

/** A CTR answer: its route and validated request (the result cache's key), and its one statement. */
export interface CtrAnswer {
  route: string;
  request: CtrRequest | CtrTopRequest;
  /** The statement; `rollups: false` reads the per-minute tables (the tests compare the tiers with it). */
  query(rollups: boolean): CtrQuery;
}

/** The answer from ClickHouse, streamed; `onRows` counts the rows sent. */
async function renderAnswer(
  c: Context<AppEnv>,
  answer: CtrAnswer,
  format: ResponseFormat,
  onRows: (count: number) => void,
): Promise<ReadableStream<Uint8Array>> {
  const query = answer.query(c.get("rollups") !== false);
  const config = c.get("config");
  return timeQuery(c.get("metrics"), "ctr_rows", () =>
    streamCtrBody(c.get("store"), query, {
      format,
      maxExecutionSeconds: config.requestTimeoutMs / 1000,
      maxResultRows: config.maxResultRows,
      signal: c.get("signal"),
      onRows,
    }),
  );
}

/** Serves a CTR answer (/ctr, /ctr/totals, /ctr/top) in the format `Accept` asks for. */
export async function serveCtrAnswer(c: Context<AppEnv>, answer: CtrAnswer): Promise<Response> {
  const format = negotiateFormat(c.req.header("Accept"));
  // The result cache answers a request it has seen in this generation; otherwise it streams the render.
  const body = await c
    .get("resultCache")
    .serve(answerKey(format, answer.route, answer.request), (onRows) => renderAnswer(c, answer, format, onRows));
  return c.body(body, 200, { "Content-Type": RESPONSE_FORMATS[format].contentType, Vary: "Accept" });
}

/**
 * The body of a CTR answer in each format `Accept` can pick, from its JSON row, its CSV header and
 * its Arrow columns: a format of RESPONSE_FORMATS without one here does not compile.
 */
export function ctrBodies(
  row: z.ZodType,
  csvHeader: string,
  arrowColumns: string,
): Record<ResponseFormat, { schema: z.ZodType }> {
  return {
    json: { schema: z.array(row) },
    // One row per line.
    ndjson: { schema: row },
    csv: { schema: z.string().meta({ description: `CSV: a header line (${csvHeader}), then one line per row` }) },
    arrow: {
      schema: z.string().meta({
        format: "binary",
        description: `Arrow IPC stream (uncompressed record batches) with the JSON rows' columns: ${arrowColumns}. An empty result is the schema and no batch.`,
      }),
    },
  };
}

/** The Arrow columns of /ctr's rows (and, without product, of /ctr/totals'). */
export const ARROW_CTR_COLUMNS = {
  timestamp: "timestamp Utf8 (the same GMT-3 text as in JSON)",
  platform: "platform Utf8",
  product: "product Utf8",
  counts:
    "CTR Decimal128(38, 4) nullable (exact, four decimals; null without views), purchases Uint64, productViews Uint64",
};

/** A 200 of a CTR answer: what it holds, then the formats every CTR answer shares. */
export function ctrOk(description: string, bodies: Record<ResponseFormat, { schema: z.ZodType }>) {
  return {
    description: `${description} The format follows \`Accept\`: a JSON array by default, NDJSON (one row per line), CSV, or an Arrow IPC stream. Errors are JSON whatever \`Accept\` asks for. Answers are kept in a result cache until the data changes (RESULT_CACHE_MB).`,
    content: Object.fromEntries(
      Object.entries(RESPONSE_FORMATS).map(([format, { mediaType }]) => [mediaType, bodies[format as ResponseFormat]]),
    ),
  };
}

/** The 422 of the answers with one row per bucket. */
export const RESULT_TOO_LARGE = {
  422: errorResponse(
    "The result has more than MAX_RESULT_ROWS rows: narrow the range, widen the aggregation or filter. Refused before any row is sent, never a truncated 200",
    resultTooLarge(1_000_000),
  ),
};
