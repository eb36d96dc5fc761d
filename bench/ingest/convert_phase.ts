import { InProcessExecutor, planBackfill } from "@ctr/jobs";
import { type Config, loadConfig, migrate, PLATFORMS } from "@ctr/schemas";
import { commitPlatformDay, engineSettings, ingestShard, openFolder, openStore } from "@ctr/workers";
import type { IngestInput } from "./input.ts";

/**
 * The product's embedded configuration for a bench run: chDB, Parquet and SQLite under `dataDir`,
 * events from the input folder. Distributed settings of the caller's environment are dropped so the
 * run is the in-process code path whatever the shell exports.
 */
export function embeddedConfig(dataDir: string, input: IngestInput): Config {
  const { CLICKHOUSE_URL, REDIS_URL, ORDERS_DATABASE_URL, PARQUET_SINK, EVENTS_SOURCE, ...rest } = process.env;
  return loadConfig({ ...rest, CTR_DATA_DIR: dataDir, EVENTS_SOURCE: input.dir, LOG_LEVEL: "warn" });
}

/** The phases of a backfill, each timed on its own in one process. */
export interface PhaseDetail {
  /** Listing the day folders and planning the shards. */
  planMs: number;
  /** The shards alone: JSON to the sink's Parquet and manifests, as the product schedules them. */
  convertMs: number;
  /** Committing every (platform, day) into a fresh embedded ClickHouse, one after the other. */
  commitMs: number;
  /** Per-minute rows the commits loaded. */
  commitRows: number;
  shards: number;
  files: number;
  /** Views the manifests counted. */
  views: number;
  workerConcurrency: number;
  failures: string[];
}

/**
 * What `ctr backfill` does, split into phases: the plan, then the product's own executor running
 * the plan's shards with the product's concurrency and engine settings (its commits and purchase
 * syncs left out), then the commits of every (platform, day). The conversion phase is the figure
 * the bench holds to a target of 1.2 times the native floor.
 */
export async function runPhases(config: Config, input: IngestInput): Promise<PhaseDetail> {
  const source = openFolder(config.eventsSource, config.s3);
  const sink = openFolder(config.parquetSink, config.s3);
  const t0 = performance.now();
  const plan = await planBackfill(source, {
    from: input.from,
    to: input.to,
    platforms: PLATFORMS,
    shardMaxBytes: config.shardMaxBytes,
  });
  const planMs = performance.now() - t0;
  const concurrency = config.workerConcurrency;
  const shards = plan.days.reduce((n, d) => n + d.shards.length, 0);
  // As runBackfill: fewer shards than slots share the cores among the shards that exist.
  const engine = engineSettings(config, Math.max(1, Math.min(concurrency, shards)));
  const executor = new InProcessExecutor(
    {
      ingestShard: (payload, onProgress) => ingestShard(payload, { source, sink, engine, onProgress }),
      commitDay: async ({ platform, day }) => ({ platform, day, files: 0, rows: 0, views: 0, failedFiles: [] }),
      syncPurchases: async ({ day }) => ({ day, rows: 0, purchases: 0, unmapped: 0, excluded: 0 }),
    },
    concurrency,
  );
  const t1 = performance.now();
  const outcome = await executor.run({ ...plan, purchaseDays: [] });
  const convertMs = performance.now() - t1;

  const store = openStore(config.clickhouse);
  try {
    await migrate(store);
    let commitRows = 0;
    const t2 = performance.now();
    for (const day of plan.days) {
      commitRows += (await commitPlatformDay(day, { store, sink, s3: config.s3 })).rows;
    }
    return {
      planMs,
      convertMs,
      commitMs: performance.now() - t2,
      commitRows,
      shards,
      files: plan.totalFiles,
      views: outcome.shards.reduce((n, s) => n + s.files.reduce((v, f) => v + f.views, 0), 0),
      workerConcurrency: concurrency,
      failures: outcome.failures.map((f) => `${f.step}: ${f.message}`),
    };
  } finally {
    await store.close();
  }
}
