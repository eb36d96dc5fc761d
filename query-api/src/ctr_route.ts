import { CtrQuerySchema, type CtrRequest, CtrRequestSchema, CtrRowSchema } from "@ctr/schemas";
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "./app_env.ts";
import { resultTooLarge, streamCtrBody } from "./ctr_body.ts";
import { buildCtrQuery } from "./ctr_query.ts";
import { chooseCtrTables } from "./ctr_tier.ts";
import { timeQuery } from "./metrics.ts";
import { BODY_TOO_LARGE, DATA_ERRORS, errorResponse, inputError, serveOperation } from "./openapi.ts";
import { readBody, readQuery, refusalOf } from "./request_input.ts";
import { negotiateFormat, RESPONSE_FORMATS, type ResponseFormat } from "./response_format.ts";
import { answerKey } from "./result_cache.ts";

/** The answer from ClickHouse, streamed; `onRows` counts the rows sent. */
async function renderCtr(
  c: Context<AppEnv>,
  request: CtrRequest,
  format: ResponseFormat,
  onRows: (count: number) => void,
): Promise<ReadableStream<Uint8Array>> {
  const query = buildCtrQuery(request, chooseCtrTables(request, { rollups: c.get("rollups") !== false }));
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

async function serveCtr(c: Context<AppEnv>, request: CtrRequest): Promise<Response> {
  const format = negotiateFormat(c.req.header("Accept"));
  // The result cache answers a request it has seen in this generation; otherwise it streams the render.
  const body = await c
    .get("resultCache")
    .serve(answerKey(request, format), (onRows) => renderCtr(c, request, format, onRows));
  return c.body(body, 200, { "Content-Type": RESPONSE_FORMATS[format].contentType, Vary: "Accept" });
}

const CTR_EXAMPLE = { startTimestamp: "2016-02-01 10:00:00", endTimestamp: "2016-02-01 12:00:00", aggregation: 60 };

/** The body in each format `Accept` can pick: a format of RESPONSE_FORMATS without one here does not compile. */
const CTR_BODIES: Record<ResponseFormat, { schema: z.ZodType }> = {
  json: { schema: z.array(CtrRowSchema) },
  // One row per line.
  ndjson: { schema: CtrRowSchema },
  csv: {
    schema: z.string().meta({
      description: "CSV: a header line (timestamp,platform,product,CTR,purchases,productViews), then one line per row",
    }),
  },
  arrow: {
    schema: z.string().meta({
      format: "binary",
      description:
        "Arrow IPC stream (uncompressed record batches) with the JSON rows' columns: timestamp Utf8 (the same GMT-3 text as in JSON), platform Utf8, product Utf8, CTR Decimal128(38, 4) nullable (exact, four decimals; null without views), purchases Uint64, productViews Uint64. An empty result is the schema and no batch.",
    }),
  },
};

const CTR_RESPONSES = {
  200: {
    description:
      "One row per (bucket, platform, product) with a view or a purchase, ordered by timestamp, platform, product (byte order). The format follows `Accept`: a JSON array by default, NDJSON (one row per line), CSV, or an Arrow IPC stream. Errors are JSON whatever `Accept` asks for. Answers are kept in a result cache until the data changes (RESULT_CACHE_MB).",
    content: Object.fromEntries(
      Object.entries(RESPONSE_FORMATS).map(([format, { mediaType }]) => [
        mediaType,
        CTR_BODIES[format as ResponseFormat],
      ]),
    ),
  },
  ...inputError(refusalOf(CtrRequestSchema, { ...CTR_EXAMPLE, aggregation: 0 })),
  422: errorResponse(
    "The result has more than MAX_RESULT_ROWS rows: narrow the range, widen the aggregation or filter. Refused before any row is sent, never a truncated 200",
    resultTooLarge(1_000_000),
  ),
  ...DATA_ERRORS,
};

export const getCtrRoute = createRoute({
  method: "get",
  path: "/ctr",
  operationId: "getCtr",
  tags: ["CTR"],
  summary: "CTR per bucket, platform and product",
  description:
    "Buckets start at startTimestamp and are `aggregation` minutes wide; the last one is cut at endTimestamp. Rows only for buckets with a view or a purchase.",
  request: { query: CtrQuerySchema },
  responses: CTR_RESPONSES,
});

export const postCtrRoute = createRoute({
  method: "post",
  path: "/ctr",
  operationId: "postCtr",
  tags: ["CTR"],
  summary: "CTR per bucket, platform and product, the fields in a JSON body",
  description: "The same as GET /ctr; aggregation may be a number. No query parameters.",
  request: {
    body: { required: true, content: { "application/json": { schema: CtrRequestSchema, example: CTR_EXAMPLE } } },
  },
  responses: { ...CTR_RESPONSES, ...BODY_TOO_LARGE },
});

/** `GET /ctr?startTimestamp=...` and `POST /ctr` with the same fields as a JSON body. */
export function ctrRoutes(): OpenAPIHono<AppEnv> {
  const routes = new OpenAPIHono<AppEnv>();
  serveOperation(routes, getCtrRoute, (c) => serveCtr(c, readQuery(c, getCtrRoute)));
  serveOperation(routes, postCtrRoute, async (c) => serveCtr(c, await readBody(c, postCtrRoute)));
  return routes;
}
