/**
 * Measures GET /products (the explorer's type-ahead) on chDB over a month of synthetic per-minute
 * views: with and without a prefix, over one day and over every day. Through the real app (Hono's
 * in-process request), validation included. Run by hand (not part of `npm run bench`):
 *   npx tsx bench/api/products.ts [days=30] [products=5000]
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createApp, createLogger, createMetrics, toApiConfig } from "@ctr/query-api";
import { loadConfig, migrate } from "@ctr/schemas";
import { openStore } from "@ctr/workers";

const days = Number(process.argv[2] ?? 30);
const products = Number(process.argv[3] ?? 5000);
/** Minutes with views per product, platform and day: a long tail, as in the real sample. */
const MINUTES_PER_DAY = 20;
const dir = mkdtempSync(path.join(os.tmpdir(), "ctr-bench-products-"));
const store = openStore({ kind: "embedded", path: dir, database: "default" });
await migrate(store);
const rows = days * products * 3 * MINUTES_PER_DAY;
await store.client.command({
  query: `INSERT INTO product_views_per_minute_v1
    SELECT toDate(m), p, m, concat('2000', leftPad(toString(k), 4, '0'), '_0', toString(k % 10)), 1
    FROM (SELECT number AS n, number % ${products} AS k, ['iOS','Android','MobileWeb'][1 + intDiv(number, ${products}) % 3] AS p,
                 toDateTime('2016-02-01 00:00:00', 'UTC') + (intDiv(number, ${products * 3}) * 7919 % ${days * 1440}) * 60 AS m
          FROM numbers(${rows}))`,
});

const app = createApp({
  store,
  config: toApiConfig(loadConfig({ CTR_DATA_DIR: dir })),
  logger: createLogger({ level: "silent" }),
  metrics: createMetrics({ processMetrics: false }),
});
const lastDay = `2016-02-${String(Math.min(days, 29)).padStart(2, "0")}`;
const cases: Record<string, string> = {
  "no prefix, one day": "from=2016-02-10&to=2016-02-10",
  "no prefix, every day": "",
  "prefix 20001, one day": "prefix=20001&from=2016-02-10&to=2016-02-10",
  "prefix 20001, every day": "prefix=20001",
  "prefix 200012, a week": "prefix=200012&from=2016-02-03&to=2016-02-09",
  "no match, every day": "prefix=3",
  "limit 1000, every day": `limit=1000&to=${lastDay}`,
};
console.log(`${rows.toLocaleString("en")} per-minute rows, ${days} days, ${products} products x 3 platforms`);
for (const [name, query] of Object.entries(cases)) {
  const times: number[] = [];
  let listed = 0;
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    const response = await app.request(`/products?${query}`);
    const body = (await response.json()) as { products: string[] };
    times.push(performance.now() - t0);
    listed = body.products.length;
  }
  times.sort((a, b) => a - b);
  console.log(
    `${name.padEnd(26)} median ${times[3]?.toFixed(1)} ms, best ${times[0]?.toFixed(1)} ms (${listed} products)`,
  );
}
await store.close();
rmSync(dir, { recursive: true, force: true });
