import type { CtrRequest, CtrTopRequest, Store } from "@ctr/schemas";
import { createRoute, OpenAPIHono, type RouteConfig } from "@hono/zod-openapi";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "./app_env.ts";
import { resultTooLarge, streamCtrBody } from "./ctr_body.ts";
import type { CtrQuery } from "./ctr_query.ts";
import type { CtrRowBound } from "./ctr_result_bound.ts";
import { timeQuery } from "./metrics.ts";
import { BODY_TOO_LARGE, errorResponse, serveOperation } from "./openapi.ts";
import { readBody, readQuery } from "./request_input.ts";
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
  /** What the answer's size is known to be before the statement runs (ctr_result_bound.ts), when it can be known. */
  bound?(store: Store, maxResultRows: number): Promise<CtrRowBound>;
}

/**
 * The answer from ClickHouse, streamed; `onRows` counts the rows sent. Its size is bounded first when
 * the answer can tell (ctr_result_bound.ts): an answer that surely exceeds MAX_RESULT_ROWS is refused
 * before its statement runs, and one that may exceed it waits for its turn (`largeRequests`), so that
 * several cannot hold a large result each while small requests wait.
 */
async function renderAnswer(
  c: Context<AppEnv>,
  answer: CtrAnswer,
  format: ResponseFormat,
  onRows: (count: number) => void,
): Promise<ReadableStream<Uint8Array>> {
  const query = answer.query(c.get("rollups") !== false);
  const config = c.get("config");
  const store = c.get("store");
  const metrics = c.get("metrics");
  const bound = answer.bound
    ? await timeQuery(metrics, "ctr_row_bound", () => answer.bound?.(store, config.maxResultRows) ?? NO_BOUND)
    : undefined;
  if (bound && bound.atLeast > config.maxResultRows) throw resultTooLarge(config.maxResultRows, bound.atLeast);
  const render = () =>
    timeQuery(metrics, "ctr_rows", () =>
      streamCtrBody(store, query, {
        format,
        maxExecutionSeconds: config.requestTimeoutMs / 1000,
        maxResultRows: config.maxResultRows,
        signal: c.get("signal"),
        onRows,
      }),
    );
  if (!bound || bound.atMost <= config.maxResultRows) return render();
  // A request that timed out (or whose client left) while waiting for its turn has nothing to run.
  return c.get("largeRequests").run(() => {
    c.get("signal").throwIfAborted();
    return render();
  });
}

const NO_BOUND: Promise<CtrRowBound> = Promise.resolve({ atLeast: 0, atMost: 0 });

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
  // The row's component in the document (every row schema carries an id), for NDJSON's contentSchema.
  const rowId = row.meta()?.id;
  const rowSchema = rowId === undefined ? z.toJSONSchema(row) : { $ref: `#/components/schemas/${rowId}` };
  return {
    json: { schema: z.array(row) },
    // A sequential media type: OpenAPI 3.2 describes it with `itemSchema: <row>`. This 3.1 document
    // uses the fallback the OpenAPI media type registry gives for sequential JSON: the body as text
    // (what a validator sees), whose content read as a JSON array is `contentSchema`.
    ndjson: {
      schema: z.string().meta({
        description: `NDJSON: one ${rowId ?? "row"} JSON object per line, each line ended by a newline; an empty body when there are no rows. A sequential media type: each line is a ${rowId ?? "row"} (OpenAPI 3.2's itemSchema), and the lines read as a JSON array are contentSchema`,
        contentMediaType: "application/x-ndjson",
        contentSchema: { type: "array", items: rowSchema },
      }),
    },
    csv: {
      schema: z.string().meta({
        description: `CSV (RFC 4180): a header line (${csvHeader}), then one line per row; text fields quoted, a null CTR empty. Values are exact: a product that starts with =, +, - or @ is sent as stored, so a spreadsheet may read it as a formula (the explorer's Download CSV puts a ' before such a cell)`,
      }),
    },
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
    "The result has more than MAX_RESULT_ROWS rows: narrow the range, widen the aggregation or filter. Refused before any row is sent, never a truncated 200; a /ctr request over every product and platform whose answer surely has more rows (the stored rows per hour and day of its range tell) is refused before its query runs",
    resultTooLarge(1_000_000),
  ),
};

/** A CTR answer asked by GET (the fields as a query string) and by POST (the same fields as a JSON body). */
export interface GetAndPost<Query extends z.ZodObject, Body extends z.ZodObject> {
  path: string;
  /** The operations' noun: `Ctr` names them getCtr and postCtr. */
  name: string;
  summary: string;
  description: string;
  query: Query;
  body: Body;
  example: Record<string, unknown>;
  responses: RouteConfig["responses"];
  /** The answer to a validated request, whichever way it came. */
  answer(request: z.output<Query> | z.output<Body>): CtrAnswer;
}

/** The GET and POST operations of a CTR answer, described and served. */
export function getAndPostRoutes<Query extends z.ZodObject, Body extends z.ZodObject>(
  spec: GetAndPost<Query, Body>,
): OpenAPIHono<AppEnv> {
  const common = { path: spec.path, tags: ["CTR"] };
  const get = createRoute({
    ...common,
    method: "get",
    operationId: `get${spec.name}`,
    summary: spec.summary,
    description: spec.description,
    request: { query: spec.query },
    responses: spec.responses,
  });
  const post = createRoute({
    ...common,
    method: "post",
    operationId: `post${spec.name}`,
    summary: `${spec.summary}, the fields in a JSON body`,
    description: `The same as GET ${spec.path}; aggregation may be a number. No query parameters.`,
    request: {
      body: { required: true, content: { "application/json": { schema: spec.body, example: spec.example } } },
    },
    responses: { ...spec.responses, ...BODY_TOO_LARGE },
  });
  const routes = new OpenAPIHono<AppEnv>();
  serveOperation(routes, get, (c) => serveCtrAnswer(c, spec.answer(readQuery(c, get))));
  serveOperation(routes, post, async (c) => serveCtrAnswer(c, spec.answer(await readBody(c, post))));
  return routes;
}
