/**
 * The API under test, in its own process (chDB binds one data directory to one process):
 *   server.ts <spec.json> <storeDir>
 * Builds (or reuses) the store, serves the real app like `ctr serve`, and on request from the
 * parent (IPC) times the same SQL directly through the same client, in this same process.
 */
import { createWriteStream, existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  buildCtrQuery,
  type CtrQueryParams,
  type CtrTables,
  chooseCtrTables,
  createApp,
  createLogger,
  createMetrics,
  PER_MINUTE_TABLES,
  startServer,
  tablesRead,
  toApiConfig,
} from "@ctr/query-api";
import { loadConfig, migrate, parseCtrRequest, type Store } from "@ctr/schemas";
import { openStore } from "@ctr/workers";
import { type LatencySummary, timeClosedLoop } from "./latency.ts";
import { type ApiShape, BENCH_REQUEST_TIMEOUT_MS } from "./shapes.ts";
import { type ApiStoreCounts, type ApiStoreSpec, buildApiStore } from "./store.ts";

export type ParentMessage =
  | {
      type: "engine";
      shape: ApiShape;
      concurrency: number;
      seconds: number;
      minCalls: number;
      /** Read the per-minute tables whatever the request's tier (the rollups' baseline). Default false. */
      perMinute?: boolean;
    }
  | { type: "stop" };

export type ChildMessage =
  | {
      type: "ready";
      port: number;
      /** The same app with the rollups turned off: every request reads the per-minute tables. */
      perMinutePort: number;
      counts: ApiStoreCounts;
      buildMs: number;
      reused: boolean;
      /** What migrate took to fill the rollups (and the CTR rollups) from the per-minute tables; 0 when they were there. */
      rollupFillMs: number;
    }
  | { type: "engine"; summary: LatencySummary; resultRows: number; scannedRows: number }
  | { type: "error"; message: string };

/** The product's default MAX_RESULT_ROWS, which the server under test keeps. */
const MAX_RESULT_ROWS = 1_000_000;

const send = (message: ChildMessage) => process.send?.(message);

/**
 * The rows of both tables (the request's tier) its range and filters select: what the engine reads
 * (each feeds at most one result row). Bench-only SQL, run once per shape, not timed.
 */
function scannedRowsQuery(params: CtrQueryParams, tables: CtrTables): string {
  const where = [
    "minute >= toDateTime({start:UInt32}, 'UTC') AND minute < toDateTime({end:UInt32}, 'UTC')",
    ...(params.product !== undefined ? ["product = {product:String}"] : []),
    ...(params.platform !== undefined ? ["platform = {platform:String}"] : []),
  ].join(" AND ");
  return `SELECT ${tablesRead(tables)
    .map((table) => `(SELECT count() FROM ${table} WHERE ${where})`)
    .join(" + ")} AS rows`;
}

/** The statement one /ctr request runs (the rows, with the row limit inside), timed alone. */
function engineCall(
  store: Store,
  shape: ApiShape,
  perMinute: boolean,
): { call: () => Promise<{ resultRows: number; scannedRows: number }> } {
  const parsed = parseCtrRequest(shape.query);
  if (!parsed.ok) throw new Error(`${shape.name}: ${parsed.error.field}: ${parsed.error.message}`);
  const tables = perMinute ? PER_MINUTE_TABLES : chooseCtrTables(parsed.request);
  const query = buildCtrQuery(parsed.request, tables);
  const run = async (sql: string) => {
    const result = await store.client.query({ query: sql, query_params: { ...query.params }, format: "JSONEachRow" });
    return result.text();
  };
  let scannedRows: number | undefined;
  return {
    call: async () => {
      const text = await run(
        `${query.rows}\nSETTINGS max_result_rows = ${MAX_RESULT_ROWS}, result_overflow_mode = 'throw'`,
      );
      scannedRows ??= Number(
        (JSON.parse(await run(scannedRowsQuery(query.params, tables))) as { rows: string | number }).rows,
      );
      return { resultRows: text === "" ? 0 : text.split("\n").length - 1, scannedRows };
    },
  };
}

async function openOrBuild(spec: ApiStoreSpec, storeDir: string) {
  const marker = path.join(storeDir, "bench-store.json");
  // Requests may take BENCH_REQUEST_TIMEOUT_MS (300 s) instead of the product's 30 s: 32
  // month-wide queries at once on 2 cores queue for longer than 30 s, and a 504 has no latency to report.
  // The result cache is off: every shape repeats one request, which the cache would answer from memory
  // after the first (the week workload measures the cache, with a stated repeat rate).
  const config = loadConfig({
    CTR_DATA_DIR: storeDir,
    LOG_LEVEL: "info",
    REQUEST_TIMEOUT_MS: String(BENCH_REQUEST_TIMEOUT_MS),
    RESULT_CACHE_MB: "0",
  });
  const store = openStore(config.clickhouse);
  const started = performance.now();
  const reused = existsSync(marker);
  const counts = reused
    ? (JSON.parse(await readFile(marker, "utf8")) as ApiStoreCounts)
    : await buildApiStore(store, spec);
  if (!reused) await writeFile(marker, JSON.stringify(counts));
  const buildMs = reused ? 0 : performance.now() - started;
  // As `ctr serve` at start: the migrations fill the rollups of a store loaded before they existed
  // (the store is filled in SQL, straight into the per-minute tables).
  const filling = performance.now();
  let filled = 0;
  await migrate(store, { onRollupFill: () => filled++, onCtrDayFill: () => filled++ });
  const rollupFillMs = filled === 0 ? 0 : performance.now() - filling;
  return { config, store, counts, buildMs, reused, rollupFillMs };
}

const [specFile, storeDir] = process.argv.slice(2);
if (!specFile || !storeDir) throw new Error("usage: server.ts <spec.json> <storeDir>");
const spec = JSON.parse(await readFile(specFile, "utf8")) as ApiStoreSpec;
const { config, store, counts, buildMs, reused, rollupFillMs } = await openOrBuild(spec, storeDir);
// Request logs at `info` as in production, into a sink: the cost of logging stays in the figures.
const logger = createLogger({ level: "info", destination: createWriteStream("/dev/null") });
const app = createApp({ store, config: toApiConfig(config), logger, metrics: createMetrics() });
const running = await startServer(app, { port: 0, hostname: "127.0.0.1" });
const perMinuteApp = createApp({
  store,
  config: toApiConfig(config),
  logger,
  metrics: createMetrics({ processMetrics: false }),
  rollups: false,
});
const perMinute = await startServer(perMinuteApp, { port: 0, hostname: "127.0.0.1" });
send({ type: "ready", port: running.port, perMinutePort: perMinute.port, counts, buildMs, reused, rollupFillMs });

process.on("message", (message: ParentMessage) => {
  if (message.type === "stop") {
    void Promise.all([running.close(), perMinute.close()])
      .then(() => store.close())
      .then(() => process.exit(0));
    return;
  }
  const { call } = engineCall(store, message.shape, message.perMinute === true);
  let rows = { resultRows: 0, scannedRows: 0 };
  timeClosedLoop(
    async () => {
      rows = await call();
    },
    { concurrency: message.concurrency, seconds: message.seconds, minCalls: message.minCalls },
  ).then(
    (summary) => send({ type: "engine", summary, ...rows }),
    (error: unknown) => send({ type: "error", message: error instanceof Error ? error.message : String(error) }),
  );
});
