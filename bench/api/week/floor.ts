/**
 * The floor of the week workload, in its own process: `floor.ts <args.json>`.
 * A bare chDB store built from the same generated files by plain SQL (one per-minute views table,
 * one purchases table, each ORDER BY (product, platform, minute)), asked each request's question
 * with one UNION ALL + GROUP BY statement, one at a time. It also draws the requests the API gets
 * (from the products with views), so both sides ask the same questions.
 */
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { CLICKHOUSE_GMT3 } from "@ctr/schemas";
import { Session } from "chdb";
import { PLATFORM_FROM_PATH, quotePath } from "../../ingest/baseline_sql.ts";
import { EVENT_BATCH_SCHEMA } from "../../ingest/chdb_baseline.ts";
import { reportMeasured } from "../../measured_child.ts";
import { type LatencySummary, summarize } from "../latency.ts";
import type { WeekInput } from "./input.ts";
import { type DayRequest, drawDistinct, withRepeats } from "./requests.ts";

export interface FloorArgs {
  input: WeekInput;
  floorDir: string;
  requestsFile: string;
  seed: string;
  /** Requests of each measurement: one at a time, 32 connections without cache, 32 with repeats. */
  counts: { sequential: number; concurrent: number; repeated: number };
  repeatRate: number;
  repeatWindow: number;
}

/** The request sets of a run; the floor answers `sequential`, the API all three. */
export interface WeekRequests {
  sequential: DayRequest[];
  concurrent: DayRequest[];
  repeated: DayRequest[];
  products: number;
}

export interface FloorDetail {
  buildMs: number;
  viewRows: number;
  purchaseRows: number;
  views: number;
  purchases: number;
  serial: LatencySummary;
  /** The floor's answers to the first sequential requests (JSONEachRow text), to check the API against. */
  answers: string[];
}

const TABLES = `
CREATE TABLE views (platform LowCardinality(String), minute DateTime('UTC'), product String, views UInt64)
ENGINE = MergeTree ORDER BY (product, platform, minute);
CREATE TABLE purchases (platform LowCardinality(String), minute DateTime('UTC'), product String, purchases UInt64)
ENGINE = MergeTree ORDER BY (product, platform, minute)`;

function loadViews(rawDir: string): string {
  const glob = path.join(rawDir, "*", "*", "*.{json,ndjson,jsonl,json.gz,ndjson.gz,jsonl.gz}");
  return `INSERT INTO views
SELECT multiIf(lower(p) = 'ios', 'iOS', lower(p) = 'android', 'Android', 'MobileWeb') AS platform,
       toDateTime(intDiv(toInt64(floor(e.data.timestamp_unixtime_ms)), 60000) * 60, 'UTC') AS minute,
       e.data.custom_attributes.codeColor AS product, count() AS views
FROM file(${quotePath(glob)}, JSONEachRow, '${EVENT_BATCH_SCHEMA}') ARRAY JOIN events AS e
WHERE e.event_type = 'custom_event' AND e.data.event_name = 'product' AND e.data.custom_attributes.codeColor != ''
  AND (extract(_path, ${PLATFORM_FROM_PATH}) AS p) != ''
GROUP BY platform, minute, product`;
}

/** orders.csv read as text but for the id: only order_date and device_type matter here. */
const ORDERS_SCHEMA = [
  "id UInt64",
  ...["user_id", "order_date", "order_subtotal", "order_discount", "order_total", "order_status", "payment_type"],
  ...["shipping_cost", "shipping_service", "address_city", "address_state", "utm_source_medium", "device_type"],
]
  .map((column) => (column.includes(" ") ? column : `${column} String`))
  .join(", ");

function loadPurchases(input: WeekInput): string {
  return `INSERT INTO purchases
SELECT multiIf(lower(o.device_type) = 'ios', 'iOS', lower(o.device_type) = 'android', 'Android', 'MobileWeb') AS platform,
       toTimeZone(toStartOfMinute(parseDateTime(o.order_date, '%Y-%m-%d %H:%i:%S', '${CLICKHOUSE_GMT3}')), 'UTC') AS minute,
       i.code_color AS product, count() AS purchases
FROM file(${quotePath(input.itemsFile)}, CSVWithNames, 'id UInt64, order_id UInt64, sku String, quantity UInt32, code_color String') AS i
JOIN file(${quotePath(input.ordersFile)}, CSVWithNames, '${ORDERS_SCHEMA}') AS o ON o.id = i.order_id
WHERE lower(o.device_type) IN ('ios', 'android', 'mobileweb')
GROUP BY platform, minute, product`;
}

/** The same question as the API's, in one statement: the rows of one product's day, rendered as the API renders them. */
const QUESTION = `
SELECT formatDateTime(toDateTime(bucket, '${CLICKHOUSE_GMT3}'), '%Y-%m-%d %H:%i:%S') AS timestamp, platform, product,
       if(v = 0, NULL, toDecimal128(intDiv(p * 20000 + v, 2 * v), 4) / 10000) AS CTR, p AS purchases, v AS productViews
FROM (
  SELECT {start:UInt32} + intDiv(toUInt32(minute) - {start:UInt32}, 3600) * 3600 AS bucket, toString(platform) AS platform, product,
         sum(views) AS v, sum(purchases) AS p
  FROM (
    SELECT minute, platform, product, views, 0 AS purchases FROM views
    WHERE product = {product:String} AND minute >= toDateTime({start:UInt32}, 'UTC') AND minute < toDateTime({end:UInt32}, 'UTC')
    UNION ALL
    SELECT minute, platform, product, 0 AS views, purchases FROM purchases
    WHERE product = {product:String} AND minute >= toDateTime({start:UInt32}, 'UTC') AND minute < toDateTime({end:UInt32}, 'UTC')
  )
  GROUP BY bucket, platform, product
)
ORDER BY bucket, platform, product
SETTINGS output_format_json_quote_64bit_integers = 0, output_format_decimal_trailing_zeros = 1`;

/** A GMT-3 day's [start, end) as UTC epoch seconds. */
function dayRange(day: string): { start: number; end: number } {
  const start = Date.parse(`${day}T03:00:00Z`) / 1000;
  return { start, end: start + 86_400 };
}

async function count(session: Session, sql: string): Promise<number> {
  return Number((await session.queryAsync(sql, { format: "TSV" })).text().trim());
}

async function measureFloor(args: FloorArgs): Promise<FloorDetail & { requests: WeekRequests }> {
  await rm(args.floorDir, { recursive: true, force: true });
  const session = new Session(args.floorDir);
  try {
    const t0 = performance.now();
    for (const statement of TABLES.split(";")) await session.queryAsync(statement);
    await session.queryAsync(loadViews(args.input.rawDir));
    await session.queryAsync(loadPurchases(args.input));
    await session.queryAsync("OPTIMIZE TABLE views FINAL");
    await session.queryAsync("OPTIMIZE TABLE purchases FINAL");
    const buildMs = performance.now() - t0;
    const products = (
      await session.queryAsync("SELECT DISTINCT product FROM views ORDER BY product", { format: "TSV" })
    )
      .text()
      .split("\n")
      .filter((line) => line !== "");
    const { sequential, concurrent, repeated } = args.counts;
    const distinct = drawDistinct(products, args.input.days, sequential + concurrent + repeated, args.seed);
    const requests: WeekRequests = {
      sequential: distinct.slice(0, sequential),
      concurrent: distinct.slice(sequential, sequential + concurrent),
      repeated: withRepeats(
        distinct.slice(sequential + concurrent),
        repeated,
        args.repeatRate,
        args.repeatWindow,
        args.seed,
      ),
      products: products.length,
    };
    const latencies: number[] = [];
    const answers: string[] = [];
    const started = performance.now();
    for (const request of requests.sequential) {
      const t = performance.now();
      const result = await session.queryBindAsync(
        QUESTION,
        { product: request.product, ...dayRange(request.day) },
        { format: "JSONEachRow" },
      );
      const text = result.text();
      latencies.push(performance.now() - t);
      if (answers.length < 20) answers.push(text);
    }
    const serial = summarize(latencies, performance.now() - started);
    return {
      buildMs,
      viewRows: await count(session, "SELECT count() FROM views"),
      purchaseRows: await count(session, "SELECT count() FROM purchases"),
      views: await count(session, "SELECT sum(views) FROM views"),
      purchases: await count(session, "SELECT sum(purchases) FROM purchases"),
      serial,
      answers,
      requests,
    };
  } finally {
    session.close();
  }
}

const [argsFile] = process.argv.slice(2);
if (!argsFile) throw new Error("usage: floor.ts <args.json>");
const args = JSON.parse(await readFile(argsFile, "utf8")) as FloorArgs;
await reportMeasured(async () => {
  const { requests, ...detail } = await measureFloor(args);
  await writeFile(args.requestsFile, JSON.stringify(requests));
  return detail;
});
