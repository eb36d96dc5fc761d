import { runBackfill } from "@ctr/jobs/backfill/run_backfill";
import { type Config, loadConfig, openStore, PLATFORMS } from "@ctr/schemas";
import { commitPlatformDay, openFolder } from "@ctr/workers";
import type { IngestInput } from "./input.ts";

/** What the product's backfill reported, and the commit rate measured after it. */
export interface BackfillDetail {
  files: number;
  bytes: number;
  views: number;
  viewRowsWritten: number;
  committedDays: number;
  failures: string[];
  workerConcurrency: number;
}

export interface CommitDetail {
  /** Per-minute rows loaded from the sink's Parquet into ClickHouse by re-running every day's commit. */
  commitRows: number;
  commitMs: number;
  /**
   * A backfill of a day without folders on the already open store: the fixed part of a run besides
   * loading chDB (the orders database, migrations, planning, an empty commit and purchase sync).
   */
  emptyBackfillMs: number;
}

/** A UTC day no bench input has a folder for. */
const EMPTY_DAY = "2015-01-01";

/**
 * The product's embedded configuration for a bench run: chDB, Parquet and SQLite under `dataDir`,
 * events from the input folder. Distributed settings of the caller's environment are dropped so the
 * run is the in-process code path whatever the shell exports.
 */
export function embeddedConfig(dataDir: string, input: IngestInput, extra: NodeJS.ProcessEnv = {}): Config {
  const { CLICKHOUSE_URL, REDIS_URL, ORDERS_DATABASE_URL, PARQUET_SINK, EVENTS_SOURCE, ...rest } = process.env;
  return loadConfig({ ...rest, CTR_DATA_DIR: dataDir, EVENTS_SOURCE: input.dir, LOG_LEVEL: "warn", ...extra });
}

/** Runs `ctr backfill`'s function in this process over the input's days, all platforms. */
export async function backfillEmbedded(config: Config, input: IngestInput): Promise<BackfillDetail> {
  const summary = await runBackfill(
    config,
    { from: input.from, to: input.to, platforms: PLATFORMS },
    { isTTY: false, write: (text: string) => process.stderr.write(text) },
  );
  return {
    files: summary.files,
    bytes: summary.bytes,
    views: summary.views,
    viewRowsWritten: summary.viewRowsWritten,
    committedDays: summary.committedDays,
    failures: summary.failures.map((f) => `${f.step}: ${f.message}`),
    workerConcurrency: config.workerConcurrency,
  };
}

/**
 * Re-runs the commit of every (platform, day) of the input (idempotent: the same partitions are
 * replaced with the same rows) and times it: the rate of per-minute rows loaded from Parquet. Then
 * times a backfill with nothing to read, the fixed cost inside a backfill's time.
 */
export async function measureCommits(config: Config, input: IngestInput): Promise<CommitDetail> {
  const store = openStore(config.clickhouse);
  const sink = openFolder(config.parquetSink, config.s3);
  const days = new Set(
    input.files.map((file) => {
      const [platform, day] = file.slice(input.dir.length + 1).split("/");
      return `${platform}/${day}`;
    }),
  );
  try {
    let commitRows = 0;
    const started = performance.now();
    for (const key of days) {
      const [platform, day] = key.split("/") as [(typeof PLATFORMS)[number], string];
      const result = await commitPlatformDay({ platform, day }, { store, sink, s3: config.s3 });
      commitRows += result.rows;
    }
    const commitMs = performance.now() - started;
    const emptyStarted = performance.now();
    await runBackfill(
      config,
      { from: EMPTY_DAY, to: EMPTY_DAY, platforms: PLATFORMS },
      { isTTY: false, write: () => true },
      store,
    );
    return { commitRows, commitMs, emptyBackfillMs: performance.now() - emptyStarted };
  } finally {
    await store.close();
  }
}
