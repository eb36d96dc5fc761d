/**
 * Measures the two equivalent ways of combining views and purchases in /ctr on chDB, on a synthetic
 * store of any size: the API's UNION ALL + one GROUP BY against the FULL OUTER JOIN of the two
 * aggregated sides (bench/api/join_rows.ts), and checks they give the same rows. The week
 * workload's comparison is bench/api/week/variants.ts. Run by hand (not part of `npm run bench`):
 *   npx tsx bench/api/ctr_union.ts [days=7] [products=40] [aggregation=60]
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildCtrQuery, PER_MINUTE_TABLES } from "@ctr/query-api";
import { migrate, parseCtrRequest } from "@ctr/schemas";
import { openStore } from "@ctr/workers";
import { joinRows } from "./join_rows.ts";

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
const joinSql = joinRows(q.params);

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
    ["union", q.rows],
    ["join", joinSql],
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
