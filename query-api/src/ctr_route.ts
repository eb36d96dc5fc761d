import { type CtrRequest, PLATFORMS, queryRows } from "@ctr/schemas";
import { type Context, Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "./app_env.ts";
import { streamCtrBody } from "./ctr_body.ts";
import { readCtrRequest } from "./ctr_input.ts";
import { buildCtrQuery, type CtrQuery } from "./ctr_query.ts";
import { HttpError } from "./http_error.ts";
import { timeQuery } from "./metrics.ts";
import { negotiateFormat, RESPONSE_FORMATS } from "./response_format.ts";

const CountSchema = z.object({ rows: z.coerce.number() });

async function countRows(c: Context<AppEnv>, name: string, sql: string, query: CtrQuery): Promise<number> {
  const seconds = Math.ceil(c.get("config").requestTimeoutMs / 1000);
  const [row] = await timeQuery(c.get("metrics"), name, () =>
    queryRows(c.get("store").client, {
      name,
      query: `${sql}\nSETTINGS max_execution_time = ${seconds}`,
      params: { ...query.params },
      schema: CountSchema,
    }),
  );
  return row?.rows ?? 0;
}

/**
 * The most rows a request can give without asking the store: with one product, a row per bucket and
 * platform. Embedded chDB answers one query at a time, so sparing the single-product requests (the
 * front-end's commonest) their bound query halves their latency under load.
 */
export function maxRowsOfProduct(request: CtrRequest): number {
  if (request.product === undefined) return Number.POSITIVE_INFINITY;
  const buckets = Math.ceil(
    (request.endTimestamp.epochMs - request.startTimestamp.epochMs) / (request.aggregation * 60_000),
  );
  return buckets * (request.platform === undefined ? PLATFORMS.length : 1);
}

/**
 * Refuses a result over MAX_RESULT_ROWS before sending anything, so a client never gets a truncated
 * 200. The bound (per-minute rows in range) is cheap and almost always enough; only when it exceeds
 * the limit is the exact count of result rows computed.
 */
async function assertWithinRowLimit(c: Context<AppEnv>, request: CtrRequest, query: CtrQuery): Promise<void> {
  const limit = c.get("config").maxResultRows;
  if (maxRowsOfProduct(request) <= limit) return;
  if ((await countRows(c, "ctr_row_bound", query.rowBound, query)) <= limit) return;
  const rows = await countRows(c, "ctr_row_count", query.rowCount, query);
  if (rows > limit) {
    throw new HttpError(
      "result_too_large",
      `the result would have ${rows} rows, over the limit of ${limit}: narrow the time range, use a larger aggregation, or filter by product or platform`,
    );
  }
}

async function serveCtr(c: Context<AppEnv>): Promise<Response> {
  const request = await readCtrRequest(c);
  const format = negotiateFormat(c.req.header("Accept"));
  const query = buildCtrQuery(request);
  await assertWithinRowLimit(c, request, query);
  const config = c.get("config");
  const metrics = c.get("metrics");
  const body = await timeQuery(metrics, "ctr_rows", () =>
    streamCtrBody(c.get("store"), query, {
      format,
      maxExecutionSeconds: config.requestTimeoutMs / 1000,
      maxResultRows: config.maxResultRows,
      signal: c.get("signal"),
      onRows: (count) => metrics.ctrRows.inc(count),
    }),
  );
  return c.body(body, 200, { "Content-Type": RESPONSE_FORMATS[format].contentType, Vary: "Accept" });
}

/** `GET /ctr?startTimestamp=...` and `POST /ctr` with the same fields as a JSON body. */
export const ctrRoutes = new Hono<AppEnv>().get("/ctr", serveCtr).post("/ctr", serveCtr);
