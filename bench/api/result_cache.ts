/**
 * Measures /ctr with and without the result cache over loopback HTTP (the real app and server), on
 * chDB with synthetic per-minute views and purchases: the front-end's commonest request, one product,
 * one GMT-3 day, aggregation 60. Run by hand (not part of `npm run bench`):
 *   npx tsx bench/api/result_cache.ts [days=14] [products=2000] [seconds=8]
 * Cases: serial misses (every request new) against serial hits; then 32 connections on a mix where
 * `HOT_SHARE` of the requests go to a hot set of `HOT_SET` (product, day) pairs and the rest are new.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createApp, createLogger, createMetrics, startServer, toApiConfig } from "@ctr/query-api";
import { loadConfig, migrate, recordDataChange } from "@ctr/schemas";
import { openStore } from "@ctr/workers";
import { type LatencySummary, timeClosedLoop } from "./latency.ts";

const days = Number(process.argv[2] ?? 14);
const products = Number(process.argv[3] ?? 2000);
const seconds = Number(process.argv[4] ?? 8);
const HOT_SET = 50;
const HOT_SHARE = 0.8;
const MINUTES_PER_DAY = 40;

const dir = mkdtempSync(path.join(os.tmpdir(), "ctr-bench-cache-"));
const store = openStore({ kind: "embedded", path: dir, database: "default" });
await migrate(store);
const rows = days * products * 3 * MINUTES_PER_DAY;
const minute = (n: string) =>
  `toDateTime('2016-02-01 03:00:00', 'UTC') + (intDiv(${n}, ${products * 3}) * 7919 % ${days * 1440}) * 60`;
const product = "concat('P', leftPad(toString(number % {products:UInt32}), 5, '0'))";
const platform = "['iOS','Android','MobileWeb'][1 + intDiv(number, {products:UInt32}) % 3]";
await store.client.command({
  query: `INSERT INTO product_views_per_minute_v1
    SELECT toDate(m), ${platform}, ${minute("number")} AS m, ${product}, 1 + number % 5 FROM numbers({rows:UInt64})`,
  query_params: { products, rows },
});
await store.client.command({
  query: `INSERT INTO purchases_per_minute_v1
    SELECT toDate(m - 3 * 3600), ${platform}, ${minute("number")} AS m, ${product}, 1 FROM numbers({rows:UInt64}) WHERE number % 25 = 0`,
  query_params: { products, rows },
});
await recordDataChange(store);

const serve = (resultCacheMb: number) =>
  startServer(
    createApp({
      store,
      config: { ...toApiConfig(loadConfig({ CTR_DATA_DIR: dir })), resultCacheMb },
      logger: createLogger({ level: "silent" }),
      metrics: createMetrics({ processMetrics: false }),
    }),
    { port: 0, hostname: "127.0.0.1", drainMs: 1_000 },
  );

let sequence = 0;
/** The n-th distinct request: products and days walked so that no two repeat within a run. */
function request(n: number): string {
  const day = 1 + (n % days);
  const p = `P${String(Math.floor(n / days) % products).padStart(5, "0")}`;
  const date = `2016-02-${String(day).padStart(2, "0")}`;
  const next = `2016-02-${String(day + 1).padStart(2, "0")}`;
  return `startTimestamp=${date}%2000:00:00&endTimestamp=${next}%2000:00:00&aggregation=60&product=${p}`;
}
const newRequest = () => request(HOT_SET + sequence++);
const hotRequest = () => request(Math.floor(Math.random() * HOT_SET));

async function measure(url: string, next: () => string, concurrency: number): Promise<LatencySummary> {
  return timeClosedLoop(
    async () => {
      const response = await fetch(`${url}/ctr?${next()}`);
      if (response.status !== 200) throw new Error(`status ${response.status}`);
      await response.arrayBuffer();
    },
    { concurrency, seconds, minCalls: 20 },
  );
}

const line = (name: string, s: LatencySummary) =>
  console.log(
    `${name.padEnd(44)} p50 ${s.p50.toFixed(2).padStart(7)} ms  p99 ${s.p99.toFixed(2).padStart(8)} ms  ${s.perSecond.toFixed(0).padStart(6)} req/s  (${s.count})`,
  );

console.log(`${rows.toLocaleString("en")} per-minute view rows, ${days} days, ${products} products x 3 platforms`);
const off = await serve(0);
const on = await serve(64);
try {
  for (let i = 0; i < HOT_SET; i++) await fetch(`${on.url}/ctr?${request(i)}`).then((r) => r.arrayBuffer());
  line("serial, cache off, every request new", await measure(off.url, newRequest, 1));
  line("serial, cache on, every request new (miss)", await measure(on.url, newRequest, 1));
  line("serial, cache on, hot set (hit)", await measure(on.url, hotRequest, 1));
  const mix = () => (Math.random() < HOT_SHARE ? hotRequest() : newRequest());
  line("32 connections, cache off, 80% hot mix", await measure(off.url, mix, 32));
  line("32 connections, cache on, 80% hot mix", await measure(on.url, mix, 32));
} finally {
  await off.close();
  await on.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
