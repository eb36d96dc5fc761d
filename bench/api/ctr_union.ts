/**
 * Measures the two equivalent ways of combining views and purchases in /ctr on chDB: the API's FULL
 * OUTER JOIN of the two aggregated sides against UNION ALL + one GROUP BY (written here: the API
 * keeps only the join), and checks they give the same rows. Run by hand (not part of `npm run bench`):
 *   npx tsx bench/api/ctr_union.ts [days=7] [products=40] [aggregation=60]
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildCtrQuery, type CtrQueryParams, PER_MINUTE_TABLES } from "@ctr/query-api";
import {
  CLICKHOUSE_GMT3,
  migrate,
  PRODUCT_VIEWS_PER_MINUTE_TABLE,
  PURCHASES_PER_MINUTE_TABLE,
  parseCtrRequest,
} from "@ctr/schemas";
import { openStore } from "@ctr/workers";

/** The /ctr rows with UNION ALL + one GROUP BY instead of the join: the same bound parameters. */
function unionRows(params: CtrQueryParams): string {
  const bucket = "{start:UInt32} + intDiv(toUInt32(minute) - {start:UInt32}, {step:UInt32}) * {step:UInt32}";
  const filters = [
    "minute >= toDateTime({start:UInt32}, 'UTC') AND minute < toDateTime({end:UInt32}, 'UTC')",
    ...(params.product !== undefined ? ["product = {product:String}"] : []),
    ...(params.platform !== undefined ? ["platform = {platform:String}"] : []),
  ].join(" AND ");
  const counts = (table: string, columns: string, first: string, last: string) =>
    `SELECT ${bucket} AS bucket, toString(platform) AS platform, product, ${columns} FROM ${table}
     WHERE day BETWEEN {${first}:Date} AND {${last}:Date} AND ${filters}`;
  return `
SELECT formatDateTime(toDateTime(bucket, '${CLICKHOUSE_GMT3}'), '%Y-%m-%d %H:%i:%S') AS timestamp, platform, product,
  if(views = 0, NULL, toDecimal128(intDiv(purchases * 20000 + views, 2 * views), 4) / 10000) AS CTR,
  purchases, views AS productViews
FROM (
  SELECT bucket, platform, product, sum(views) AS views, sum(purchases) AS purchases
  FROM (
    ${counts(PRODUCT_VIEWS_PER_MINUTE_TABLE, "views, toUInt64(0) AS purchases", "viewsFirstDay", "viewsLastDay")}
    UNION ALL
    ${counts(PURCHASES_PER_MINUTE_TABLE, "toUInt64(0) AS views, purchases", "purchasesFirstDay", "purchasesLastDay")}
  )
  GROUP BY bucket, platform, product
)
ORDER BY bucket, platform, product`;
}

const days = Number(process.argv[2] ?? 7);
const products = Number(process.argv[3] ?? 40);
const dir = mkdtempSync(path.join(os.tmpdir(), "ctr-bench-"));
const store = openStore({ kind: "embedded", path: dir, database: "default" });
await migrate(store);
const client = store.client;
const first = "2016-02-01";
await client.command({
  query: `INSERT INTO product_views_per_minute_v1
    SELECT toDate(m), p, m, concat('P', toString(k)), 1 + (n % 17)
    FROM (SELECT number AS n, toDateTime('${first} 00:00:00', 'UTC') + intDiv(number, ${3 * products}) * 60 AS m,
                 ['iOS','Android','MobileWeb'][1 + (number % 3)] AS p, intDiv(number % ${3 * products}, 3) AS k
          FROM numbers(${days * 1440 * 3 * products}))`,
});
await client.command({
  query: `INSERT INTO purchases_per_minute_v1
    SELECT toDate(toTimeZone(m, 'Etc/GMT+3')), p, m, concat('P', toString(k)), 1
    FROM (SELECT number AS n, toDateTime('${first} 00:00:00', 'UTC') + intDiv(number, ${3 * products}) * 60 AS m,
                 ['iOS','Android','MobileWeb'][1 + (number % 3)] AS p, intDiv(number % ${3 * products}, 3) AS k
          FROM numbers(${days * 1440 * 3 * products}) WHERE n % 11 = 0)`,
});

const parsed = parseCtrRequest({
  startTimestamp: "2016-01-31 21:00:00",
  endTimestamp: `2016-02-${String(days).padStart(2, "0")} 21:00:00`,
  aggregation: process.argv[4] ?? "60",
});
if (!parsed.ok) throw new Error(parsed.error.message);
// Both forms on the per-minute tables: the store is filled straight into them.
const q = buildCtrQuery(parsed.request, PER_MINUTE_TABLES);
const unionSql = unionRows(q.params);

async function run(sql: string): Promise<{ ms: number; text: string }> {
  const t0 = performance.now();
  const rs = await client.query({ query: sql, query_params: { ...q.params }, format: "JSONEachRow" });
  const text = await rs.text();
  return { ms: performance.now() - t0, text };
}
const results: Record<string, number[]> = { union: [], join: [] };
let texts: Record<string, string> = {};
for (let i = 0; i < 5; i++) {
  for (const [name, sql] of [
    ["union", unionSql],
    ["join", q.rows],
  ] as const) {
    const r = await run(sql);
    results[name]?.push(r.ms);
    texts = { ...texts, [name]: r.text };
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
console.log(
  JSON.stringify({
    days,
    products,
    aggregation: parsed.request.aggregation,
    resultRows: texts.union?.split("\n").filter(Boolean).length,
    identical: texts.union === texts.join,
    unionMedianMs: Math.round(median(results.union ?? [])),
    joinMedianMs: Math.round(median(results.join ?? [])),
  }),
);
await store.close();
rmSync(dir, { recursive: true, force: true });
