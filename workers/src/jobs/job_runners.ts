import os from "node:os";
import path from "node:path";
import type { Config, JobPayload, RefusedDay } from "@ctr/schemas";
import type { CommitResult } from "../commit/commit_platform_day.ts";
import { DayRefusedError } from "../commit/day_guard.ts";
import type { EngineSettings } from "../ingest/engine.ts";
import type { ShardProgress, ShardResult } from "../ingest/process_shard.ts";
import type { Folder } from "../source/folder.ts";
import type { LazyStoreSide, StoreSide } from "../store/store_side.ts";
import type { PurchaseSyncOutcome } from "./backfill_outcome.ts";
import { commitDay } from "./commit_day.ts";
import { ingestShard } from "./ingest_shard.ts";
import { syncPurchases } from "./sync_purchases.ts";

/**
 * The job handlers bound to one process's dependencies: what the in-process executor and the queue's
 * workers call, so the two run the same code.
 */
export interface JobRunners {
  ingestShard(payload: JobPayload<"ingest-shard">, onProgress: (progress: ShardProgress) => void): Promise<ShardResult>;
  /**
   * Commits the (platform, day) from its listing (`payload.files`): refuses it with a DayRefusedError
   * when loaded files vanished (unless `allowEmpty`), else prunes the outputs of files gone from the
   * day folder and commits.
   */
  commitDay(payload: JobPayload<"commit-day">): Promise<CommitResult>;
  syncPurchases(payload: JobPayload<"sync-purchases">): Promise<PurchaseSyncOutcome>;
}

/** The engine settings of one shard when `concurrency` shards share this machine. */
export function engineSettings(
  config: Pick<Config, "dataDir" | "engineMemoryLimitMb">,
  concurrency: number,
): EngineSettings {
  return {
    memoryLimitMb: config.engineMemoryLimitMb,
    threads: Math.max(1, Math.floor(os.availableParallelism() / concurrency)),
    tempDir: path.join(config.dataDir, "tmp"),
  };
}

/**
 * The job handlers bound to this process's store side and to `source`. The store steps (commits and
 * purchase syncs) are serialised: they all go through one ClickHouse connection (the embedded one
 * admits one process), and each is short next to the shards. A lazy store side is opened by the
 * first store step; the shards need only its sink.
 */
export function runnersOf(
  config: Config,
  side: StoreSide | LazyStoreSide,
  source: Folder,
  /** Shards that run at once, which share the cores. Default: WORKER_CONCURRENCY. */
  concurrency = config.workerConcurrency,
): JobRunners {
  const { sink } = side;
  const opened = "open" in side ? () => side.open() : () => Promise.resolve(side);
  const engine = engineSettings(config, concurrency);
  let storeSteps: Promise<unknown> = Promise.resolve();
  const inTurn = <T>(step: (opened: StoreSide) => Promise<T>): Promise<T> => {
    const run = storeSteps.then(async () => step(await opened()));
    storeSteps = run.catch(() => undefined);
    return run;
  };
  return {
    ingestShard: async (payload, onProgress) => {
      // Nothing converted now could be committed: the shards still waiting fail at once, with the reason.
      const unavailable = "open" in side ? side.failure() : undefined;
      if (unavailable) throw unavailable;
      return ingestShard(payload, { source, sink, engine, onProgress });
    },
    commitDay: (payload) => inTurn(({ store }) => commitDay(payload, { store, sink, s3: config.s3 })),
    syncPurchases: (payload) => inTurn(({ store, orders }) => syncPurchases(payload, { store, orders, config })),
  };
}

/**
 * Runs a commit or a purchase sync; a day its guard refused (DayRefusedError) is an answer, not a
 * failure to retry: the day stays as it was, and the caller reports it as refused.
 */
export async function unlessRefused<T>(run: () => Promise<T>): Promise<{ done: T } | { refused: RefusedDay }> {
  try {
    return { done: await run() };
  } catch (error) {
    if (error instanceof DayRefusedError) return { refused: error.refusal };
    throw error;
  }
}
