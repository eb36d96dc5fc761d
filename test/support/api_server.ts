import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { type BackfillRequest, type BackfillSummary, runBackfill } from "@ctr/jobs";
import {
  type ApiConfig,
  type AppDeps,
  createApp,
  createLogger,
  createMetrics,
  type RunningServer,
  startServer,
  toApiConfig,
} from "@ctr/query-api";
import {
  type Config,
  CTR_ROLLUPS,
  insertPurchasesPerMinute,
  type JobSubmitter,
  loadConfig,
  migrate,
  type Platform,
  PRODUCT_VIEWS_PER_MINUTE_TABLE,
  PURCHASES_PER_MINUTE_TABLE,
  parseGmt3WallClock,
  ROLLUPS,
  rebuildRollups,
  recordDataChange,
  refreshAllCtrDays,
  runCommand,
  type Store,
} from "@ctr/schemas";
import { openStore } from "@ctr/workers";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { inTestMode, testClickHouse } from "./clickhouse_mode.ts";

/** The API's settings as `ctr serve` would have them on the defaults. */
export const DEFAULT_API_CONFIG: ApiConfig = toApiConfig(loadConfig({}));

/**
 * One ClickHouse per test file, migrated: embedded (chDB binds one directory per process), or a
 * database of its own on the stand-in server in the server-mode run (clickhouse_mode.ts).
 */
export async function openTestStore(): Promise<{ store: Store; close(): Promise<void> }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "ctr-api-test-"));
  const store = openStore(testClickHouse(dir));
  await migrate(store);
  return {
    store,
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Serves the real app on a free port of loopback. */
export function serveApi(
  store: Store,
  config: Partial<ApiConfig> = {},
  jobs?: JobSubmitter,
  options: Pick<AppDeps, "rollups"> = {},
): Promise<RunningServer> {
  return startServer(createTestApp(store, config, jobs, options), { port: 0, hostname: "127.0.0.1", drainMs: 1_000 });
}

/** The real app over a store, quiet (no log, no process metrics); with a job system when given. */
export function createTestApp(
  store: Store,
  config: Partial<ApiConfig> = {},
  jobs?: JobSubmitter,
  options: Pick<AppDeps, "rollups"> = {},
): ReturnType<typeof createApp> {
  return createApp({
    store,
    config: { ...DEFAULT_API_CONFIG, ...config },
    logger: createLogger({ level: "silent" }),
    metrics: createMetrics({ processMetrics: false }),
    ...(jobs ? { jobs } : {}),
    ...options,
  });
}

/** A test store (openTestStore) with the API served over it on the defaults. */
export async function openTestApi(): Promise<{ store: Store; server: RunningServer; close(): Promise<void> }> {
  const { store, close: closeStore } = await openTestStore();
  const server = await serveApi(store);
  return {
    store,
    server,
    close: async () => {
      await server.close();
      await closeStore();
    },
  };
}

/**
 * The API over a test store for the tests of a file: served before them, its tables emptied before
 * each, closed after them. Read `store` and `server` inside the tests.
 */
export function useTestApi(): { readonly store: Store; readonly server: RunningServer } {
  let api: Awaited<ReturnType<typeof openTestApi>> | undefined;
  beforeAll(async () => {
    api = await openTestApi();
  });
  afterAll(async () => {
    await api?.close();
  });
  beforeEach(async () => {
    if (api) await truncateTables(api.store);
  });
  const opened = () => {
    if (!api) throw new Error("the test API is not open yet: read it inside a test or hook");
    return api;
  };
  return {
    get store() {
      return opened().store;
    },
    get server() {
      return opened().server;
    },
  };
}

/** A deployment whose backfill ran in-process, serving the API over its store. */
export interface BackfilledApi {
  /** The backfill's summary, for the test to check. */
  summary: BackfillSummary;
  server: RunningServer;
  /** Stops the server and closes the store. */
  close(): Promise<void>;
}

/**
 * Runs the backfill quietly on `config`'s defaults, then serves the API over the store it filled.
 * In the server-mode run the store is the stand-in server and the sink an s3rver (inTestMode).
 */
export async function backfillAndServe(given: Config, request: BackfillRequest): Promise<BackfilledApi> {
  const { config, close: closeMode } = await inTestMode(given);
  const summary = await runBackfill(config, request, { write: () => true });
  const store = openStore(config.clickhouse);
  const server = await serveApi(store);
  return {
    summary,
    server,
    close: async () => {
      await server.close();
      await store.close();
      await closeMode();
    },
  };
}

/** A store whose ClickHouse server is a closed port: every query fails to connect. */
export function openUnreachableStore(): Store {
  const clickhouse: Config["clickhouse"] = { kind: "server", url: "http://127.0.0.1:1", database: "ctr" };
  return openStore(clickhouse);
}

/**
 * Empties the engine's tables, so that a test's (or a run's) rows are its own. Like the helpers that
 * insert rows below, it records the change, as commits do: the API's result cache starts afresh.
 */
export async function truncateTables(store: Store): Promise<void> {
  for (const table of [
    PRODUCT_VIEWS_PER_MINUTE_TABLE,
    PURCHASES_PER_MINUTE_TABLE,
    ...Object.values(ROLLUPS).flatMap(({ rollups }) => rollups.map((r) => r.table)),
    ...CTR_ROLLUPS.map((r) => r.table),
    "ingested_files_v1",
    "purchase_syncs_v1",
  ]) {
    await runCommand(store.client, { name: `truncate ${table}`, query: `TRUNCATE TABLE ${table}` });
  }
  await recordDataChange(store);
}

/**
 * After rows were written straight into a per-minute table: its rollups rebuilt from it, then the CTR
 * rollups' days gathered, as a commit or a purchase sync leaves them.
 */
export async function rollUp(store: Store, source: string): Promise<void> {
  await rebuildRollups(store, source);
  await refreshAllCtrDays(store);
}

/** A per-minute count at a GMT-3 wall-clock minute (`YYYY-MM-DD HH:MM`), as the API speaks. */
export interface MinuteCount {
  at: string;
  platform: Platform;
  product: string;
  count: number;
  /** Views only: the source folder's day, when it is not the minute's UTC day (a late file). */
  folderDay?: string;
}

function toUtc(at: string): { minute: string; utcDay: string; gmt3Day: string } {
  const ms = parseGmt3WallClock(`${at}:00`);
  if (ms === undefined) throw new Error(`not a GMT-3 minute: ${at}`);
  const minute = new Date(ms).toISOString().slice(0, 19).replace("T", " ");
  return { minute, utcDay: minute.slice(0, 10), gmt3Day: at.slice(0, 10) };
}

/**
 * Inserts views as a commit would: `day` is the UTC day (the folder day of an on-time event), and the
 * rollups are rebuilt from the per-minute rows.
 */
export async function insertViews(store: Store, rows: readonly MinuteCount[]): Promise<void> {
  await store.client.insert({
    table: PRODUCT_VIEWS_PER_MINUTE_TABLE,
    format: "JSONEachRow",
    values: rows.map(({ at, platform, product, count, folderDay }) => {
      const { minute, utcDay } = toUtc(at);
      return { day: folderDay ?? utcDay, platform, minute, product, views: count };
    }),
  });
  await rollUp(store, PRODUCT_VIEWS_PER_MINUTE_TABLE);
  await recordDataChange(store);
}

/** Inserts purchases as the purchase sync would: `day` is the GMT-3 day; the rollups follow. */
export async function insertPurchases(store: Store, rows: readonly MinuteCount[]): Promise<void> {
  await insertPurchasesPerMinute(
    store.client,
    rows.map(({ at, platform, product, count }) => {
      const { minute, gmt3Day } = toUtc(at);
      return { day: gmt3Day, platform, minute, product, purchases: count };
    }),
  );
  await rollUp(store, PURCHASES_PER_MINUTE_TABLE);
  await recordDataChange(store);
}

/** GET a route (`/ctr`, `/ctr/totals`, `/ctr/top`) with the fields as query parameters. */
export function getAnswer(
  server: RunningServer,
  route: string,
  fields: Record<string, string | number>,
  headers: Record<string, string> = {},
): Promise<Response> {
  const query = new URLSearchParams(Object.entries(fields).map(([k, v]): [string, string] => [k, String(v)]));
  return fetch(`${server.url}${route}?${query}`, { headers });
}

/** GET /ctr with the fields as query parameters. */
export function getCtr(
  server: RunningServer,
  fields: Record<string, string | number>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return getAnswer(server, "/ctr", fields, headers);
}

/** A row of ingested_files_v1 as a test names it: the day, platform and file, and what differs from a loaded file. */
export interface FileRecord {
  day: string;
  platform: Platform;
  file: string;
  views?: number;
  status?: "loaded" | "failed";
  reason?: string;
}

/** Records files in the manifest table (what /coverage reads), as loaded files with 3 events unless told. */
export async function insertFileRecords(store: Store, records: readonly FileRecord[]): Promise<void> {
  await store.client.insert({
    table: "ingested_files_v1",
    format: "JSONEachRow",
    values: records.map(({ views = 3, status = "loaded", reason = "", ...file }) => ({
      ...file,
      ...{ size: 10, etag: "1", batches: 1, events: 3, views, ignored: 0, malformed: 0, status, reason },
      loaded_at: "2026-01-01 10:00:00.000",
    })),
  });
}
