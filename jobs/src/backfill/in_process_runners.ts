import os from "node:os";
import path from "node:path";
import type { Config, Store } from "@ctr/schemas";
import {
  commitDay,
  type EngineSettings,
  type Folder,
  ingestShard,
  type OrdersDatabase,
  syncPurchases,
} from "@ctr/workers";
import type { JobRunners } from "./executor.ts";

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
 * Binds the job handlers to this process's dependencies. Commits are serialised: they all go
 * through the one embedded ClickHouse, and each is short next to the shards.
 */
export function inProcessRunners(deps: {
  config: Config;
  store: Store;
  source: Folder;
  sink: Folder;
  orders: OrdersDatabase;
  concurrency: number;
}): JobRunners {
  const engine = engineSettings(deps.config, deps.concurrency);
  let commits: Promise<unknown> = Promise.resolve();
  return {
    ingestShard: (payload, onProgress) =>
      ingestShard(payload, { source: deps.source, sink: deps.sink, engine, onProgress }),
    commitDay: (payload) => {
      const run = commits.then(() => commitDay(payload, { store: deps.store, sink: deps.sink, s3: deps.config.s3 }));
      commits = run.catch(() => undefined);
      return run;
    },
    // The purchase sync of a day: one line, because the handler already has the job's shape.
    syncPurchases: (payload) => syncPurchases(payload, { store: deps.store, orders: deps.orders, config: deps.config }),
  };
}
