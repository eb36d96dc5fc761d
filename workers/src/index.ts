// biome-ignore-all assist/source/organizeImports: grouped by what the package holds, as a reader looks for it
// @ctr/workers: everything that touches data, in the order the data flows, and the `ctr worker` process.

// Sources: a local folder or an S3 prefix, and the day folders of a range.
export {
  listAll,
  type Folder,
  type FolderObject,
  FolderReadError,
  type ListOptions,
  type SkippedObject,
} from "./source/folder.ts";
export { LocalFolder } from "./source/local_folder.ts";
export { createS3Client, S3Folder } from "./source/s3_folder.ts";
export { openFolder } from "./source/open_folder.ts";
export {
  assertSourceExists,
  type DayFiles,
  type DayFolder,
  discoverDays,
  isEventFile,
  type ListingProgress,
  listDayFolders,
} from "./source/discover.ts";

// Ingest: a shard of event files to Parquet in the sink. The file-shape helpers and the array splitter
// are exported for the ingest benchmark's baselines and inputs (bench/ingest).
export { type EngineSettings, loadEngine, openEngine } from "./ingest/engine.ts";
export { type FileHead, type FileShape, isGzipped, readHead, sniffShape } from "./ingest/file_shape.ts";
export { splitArrayElements } from "./ingest/array_elements.ts";
export {
  FILE_GROUPING,
  type FileGrouping,
  groupFiles,
  processShard,
  type Shard,
  type ShardProgress,
  type ShardResult,
} from "./ingest/process_shard.ts";
export { removeStaleShardDirs } from "./ingest/shard_dirs.ts";
export { fileIdOf, type OutputKind, outputDir, outputKey } from "./ingest/sink_layout.ts";

// Commit: a (platform, day) from the sink into ClickHouse, behind the guard that nothing loaded is lost.
export { type CommitResult, commitListedDay, commitPlatformDay } from "./commit/commit_platform_day.ts";
export {
  checkNothingVanishes,
  checkPurchasesRemain,
  DayRefusedError,
  type KnownFile,
} from "./commit/day_guard.ts";

// Orders: the CSVs into the orders database; purchases: a GMT-3 day of it into ClickHouse.
export { type OrdersDatabase, OrdersDatabaseError } from "./orders/database.ts";
export { openOrdersDatabase } from "./orders/open_orders_database.ts";
export { migrateOrdersDatabase } from "./orders/migrations.ts";
export {
  type LoadOrdersOptions,
  type LoadSummary,
  loadOrders,
  OrdersLoadError,
  type RejectedRow,
  type TableLoadCounts,
} from "./orders/load_orders.ts";
export { type DayPurchases, extractDayPurchases } from "./purchases/extract_purchases.ts";
export { fingerprintOrders } from "./purchases/orders_fingerprint.ts";
export { replacePurchasesDay } from "./purchases/replace_purchases_day.ts";

// The store: the ClickHouse connection (chDB embedded or a server) and what the store steps need.
export { openStore, withStore } from "./store/open_store.ts";
export { partFolderCount } from "./store/store_folder.ts";
export { isProcessAlive, recordServingApi, type ServingApi, StoreLockedError } from "./store/store_lock.ts";
export { type LazyStoreSide, lazyStoreSide, openStoreSide, type StoreSide } from "./store/store_side.ts";

// Jobs: one handler per job of the catalog, bound to a process's dependencies, and what a run did.
export { type IngestShardDeps, ingestShard } from "./jobs/ingest_shard.ts";
export { type CommitDayDeps, commitDay } from "./jobs/commit_day.ts";
export { type SyncPurchasesDeps, type SyncPurchasesResult, syncPurchases } from "./jobs/sync_purchases.ts";
export { JobError } from "./jobs/job_error.ts";
export { engineSettings, type JobRunners, runnersOf, unlessRefused } from "./jobs/job_runners.ts";
export {
  type BackfillOutcome,
  emptyOutcome,
  type Failure,
  type PurchaseSyncOutcome,
} from "./jobs/backfill_outcome.ts";
export { stepName } from "./jobs/step_name.ts";

// The queue (BullMQ on Redis): queues, connections, and the worker process that consumes them.
export { KEEP_FINISHED, jobOptions, QUEUE_NAMES, QUEUE_OF, type QueueRole } from "./queue/queues.ts";
export { type QueueConfig, queueConfigOf } from "./queue/queue_config.ts";
export { checkEvictionPolicy, deleteQueueKeys, openRedis, type RedisRole } from "./queue/connection.ts";
export { checkRedisReachable } from "./queue/redis_check.ts";
export type { DayOutcome, PurchasesOutcome, QueuedShardResult } from "./queue/processors.ts";
export { WORKER_ID } from "./queue/processors.ts";
export { type QueueConsumers, type QueueWorkers, startQueueWorkers } from "./queue/worker_runtime.ts";
export { checkWorkerConfig, type DailyJobFactory, runWorker, type WorkerOptions } from "./queue/run_worker.ts";
