/**
 * Heavy /ctr requests against a store of ~1.2 M per-minute rows (an answer over MAX_RESULT_ROWS): what four at once cost in memory
 * and what a small request waits meanwhile. Run by hand (not part of `npm run bench`):
 *   npx tsx bench/api/large_requests.ts [sparse|dense]
 * sparse: ten years of views, ~300 per-minute rows a day over 2,000 products (a year's products
 * seen now and then); dense: the same rows in 25 days over 50 products (a busy catalogue).
 * Prints one JSON line: RSS before and at its peak (VmRSS sampled every 20 ms, this process holds
 * chDB), each heavy answer's status and time, and the small request's time while they run.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createApp, createLogger, createMetrics, startServer, toApiConfig } from "@ctr/query-api";
import {
  CLICKHOUSE_GMT3,
  CTR_PER_DAY_TABLE,
  CTR_PER_HOUR_TABLE,
  loadConfig,
  migrate,
  PRODUCT_VIEWS_PER_MINUTE_TABLE,
  PURCHASES_PER_MINUTE_TABLE,
  recordDataChange,
  runCommand,
} from "@ctr/schemas";
import { openStore } from "@ctr/workers";

const ROWS = 1_200_000;
const shape = process.argv[2] === "dense" ? { days: 25, products: 50 } : { days: 3650, products: 2000 };

function rssBytes(): number {
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1];
  return Number(kb ?? 0) * 1024;
}

const dir = mkdtempSync(path.join(os.tmpdir(), "ctr-large-requests-"));
const config = loadConfig({ CTR_DATA_DIR: dir });
const store = openStore(config.clickhouse);
try {
  await migrate(store);
  // Distinct (minute, platform, product) keys spread evenly over the days: one folder per UTC day.
  const minutes = shape.days * 1440;
  await runCommand(store.client, {
    name: "fill views",
    query: `INSERT INTO ${PRODUCT_VIEWS_PER_MINUTE_TABLE}
      SELECT toDate(m) AS day, platform, m AS minute, product, 1 + number % 3 AS views FROM (
        SELECT number,
          toDateTime('2016-01-01 00:00:00', 'UTC') + 60 * (intHash64(number) % ${minutes}) AS m,
          ['iOS', 'Android', 'MobileWeb'][1 + number % 3] AS platform,
          concat('P', toString(intHash64(number + ${ROWS}) % ${shape.products})) AS product
        FROM numbers(${ROWS}))
      LIMIT 1 BY minute, platform, product
      SETTINGS max_partitions_per_insert_block = 0`,
  });
  await runCommand(store.client, {
    name: "fill purchases",
    query: `INSERT INTO ${PURCHASES_PER_MINUTE_TABLE}
      SELECT toDate(minute, 'Etc/GMT+3') AS day, platform, minute, product, 1 FROM ${PRODUCT_VIEWS_PER_MINUTE_TABLE}
      WHERE cityHash64(minute, product) % 50 = 0
      SETTINGS max_partitions_per_insert_block = 0`,
  });
  // The CTR rollups /ctr and the bound read, gathered in one statement each (a commit gathers them day
  // by day, which for ten years of folders takes far longer than what is measured here).
  for (const { table, period } of [
    { table: CTR_PER_HOUR_TABLE, period: "toStartOfHour(minute)" },
    { table: CTR_PER_DAY_TABLE, period: `toDateTime(toStartOfDay(minute, '${CLICKHOUSE_GMT3}'), 'UTC')` },
  ]) {
    await runCommand(store.client, {
      name: `fill ${table}`,
      query: `INSERT INTO ${table}
        SELECT platform, ${period} AS period, product, sum(views), sum(purchases) FROM (
          SELECT platform, minute, product, views, toUInt64(0) AS purchases FROM ${PRODUCT_VIEWS_PER_MINUTE_TABLE}
          UNION ALL
          SELECT platform, minute, product, toUInt64(0) AS views, purchases FROM ${PURCHASES_PER_MINUTE_TABLE})
        GROUP BY platform, period, product
        SETTINGS max_partitions_per_insert_block = 0`,
    });
  }
  await recordDataChange(store);

  const app = createApp({
    store,
    config: toApiConfig(config),
    logger: createLogger({ level: "silent" }),
    metrics: createMetrics({ processMetrics: false }),
  });
  const server = await startServer(app, { port: 0, hostname: "127.0.0.1" });
  const last = new Date(Date.UTC(2016, 0, 1) + shape.days * 86_400_000).toISOString().slice(0, 10);
  const heavy = `${server.url}/ctr?startTimestamp=2016-01-01%2000:00:00&endTimestamp=${last}%2000:00:00&aggregation=1`;
  const small = `${server.url}/ctr?startTimestamp=2016-01-05%2010:00:00&endTimestamp=2016-01-05%2011:00:00&aggregation=60&product=P7`;

  const timed = async (url: string) => {
    const started = performance.now();
    const response = await fetch(url);
    // Read and dropped as it comes: the client's buffers are not the server's memory.
    let bytes = 0;
    for await (const chunk of response.body ?? []) bytes += chunk.length;
    return { status: response.status, ms: Math.round(performance.now() - started), bytes };
  };
  await timed(small);
  const before = rssBytes();
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssBytes());
  }, 20);
  const heavyAnswers = Promise.all([1, 2, 3, 4].map(() => timed(heavy)));
  // Started just behind the four, with a cache miss: a new product.
  const smallAnswer = await timed(small.replace("product=P7", "product=P8"));
  const answers = await heavyAnswers;
  clearInterval(sampler);
  const stored = await store.client.query({
    query: `SELECT count() AS rows FROM ${PRODUCT_VIEWS_PER_MINUTE_TABLE}`,
    format: "JSONEachRow",
  });
  console.log(
    JSON.stringify({
      shape: process.argv[2] === "dense" ? "dense" : "sparse",
      storedViewRows: (await stored.json<{ rows: string }>())[0]?.rows,
      rssBeforeMb: Math.round(before / 2 ** 20),
      rssPeakMb: Math.round(peak / 2 ** 20),
      heavy: answers,
      smallWhileHeavy: smallAnswer,
    }),
  );
  await server.close();
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
