// biome-ignore-all assist/source/organizeImports: grouped by what the package holds, as a reader looks for it
// @ctr/schemas: what every package agrees on. Nothing here opens a connection or starts a process.

// The product contract: platforms, time, the /ctr request and row, day ranges, events and views, the
// orders CSVs.
export { PLATFORMS, type Platform, parsePlatform, parsePlatformName } from "./platform.ts";
export {
  CLICKHOUSE_GMT3,
  DAY_MS,
  dayCount,
  daysBetween,
  floorToMinute,
  formatDay,
  formatGmt3WallClock,
  GMT3_OFFSET_MS,
  MAX_BACKFILL_DAYS,
  parseDay,
  parseGmt3WallClock,
  VIEW_FOLDER_SLACK_DAYS,
  type ViewTimeWindow,
  viewFolderDays,
  viewTimeWindow,
} from "./time.ts";
export {
  CtrQuerySchema,
  type CtrRequest,
  type CtrRequestInput,
  type CtrRequestParse,
  CtrRequestSchema,
  type CtrRow,
  CtrRowSchema,
  CtrTotalsQuerySchema,
  type CtrTotalsRequest,
  CtrTotalsRequestSchema,
  type CtrTotalsRow,
  CtrTotalsRowSchema,
  type FieldError,
  MAX_AGGREGATION_MINUTES,
  MAX_PRODUCT_LENGTH,
  PlatformFieldSchema,
  parseCtrRequest,
  toFieldError,
} from "./ctr_request.ts";
export {
  type CtrTopRequest,
  CtrTopRequestSchema,
  type CtrTopRow,
  CtrTopRowSchema,
  MAX_TOP_LIMIT,
  TOP_RANKINGS,
  type TopRanking,
} from "./ctr_top_request.ts";
export {
  type DayRange,
  type DayRangeOptions,
  dayRangeFilterSchema,
  dayRangeSchema,
} from "./day_range.ts";
export {
  classifyEvent,
  type Event,
  type EventBatch,
  EventBatchSchema,
  EventSchema,
  type EventVerdict,
  judgeViewTime,
  type MalformedRecord,
  type ProductView,
  type ViewTimeJudgement,
} from "./product_view.ts";
export {
  ORDER_ITEMS_CSV_COLUMNS,
  ORDERS_CSV_COLUMNS,
  type OrderItemsCsvColumn,
  type OrdersCsvColumn,
} from "./orders_csv.ts";

// How every message writes numbers and errors: thousands separators, singular nouns.
export { formatCount, messageOf, plural } from "./format.ts";

// Jobs: the catalog (payloads, retries) and what a submitted job looks like.
export {
  JOB_CATALOG,
  type JobName,
  type JobPayload,
  parseJobPayload,
  type SourceFile,
  SourceFileSchema,
} from "./job_catalog.ts";
export type {
  FailedFile,
  ListedEmptyDay,
  JobCounts,
  JobProgress,
  JobState,
  JobStatus,
  JobSubmitter,
  RefusedDay,
  SubmittedJob,
} from "./job_submission.ts";

// ClickHouse: the tables (one module each), their migrations, and the one write path.
export {
  FILE_STATUSES,
  isIncompleteFile,
  type FileManifest,
  FileManifestSchema,
  type FileStatus,
  getIngestedFiles,
  INGESTED_FILE_MANIFEST_STRUCTURE,
  INGESTED_FILES_TABLE,
  type IngestedFile,
  IngestedFileSchema,
  type SourceFileTotals,
} from "./clickhouse/tables/ingested_files.ts";
export {
  DATA_GENERATIONS_TABLE,
  getDataGeneration,
  recordDataChange,
  recordingDataChange,
} from "./clickhouse/tables/data_generations.ts";
export {
  EMPTY_SOURCE_DAYS_TABLE,
  type EmptySourceDay,
  EmptySourceDaySchema,
  recordEmptySourceDay,
} from "./clickhouse/tables/empty_source_days.ts";
export { getJobRuns, insertJobRun, JOB_RUNS_TABLE, type JobRun, JobRunSchema } from "./clickhouse/tables/job_runs.ts";
export {
  getProductViewsPerMinute,
  getProductViewTotals,
  getProductsWithViews,
  PRODUCT_VIEWS_PER_MINUTE_TABLE,
  type ProductsWithViewsFilter,
  type ProductViewsPerMinute,
  ProductViewsPerMinuteSchema,
  type ProductViewTotals,
  ProductViewTotalsSchema,
} from "./clickhouse/tables/product_views_per_minute.ts";
export {
  getPurchaseSync,
  insertPurchaseSync,
  PURCHASE_SYNCS_TABLE,
  type PurchaseSync,
  PurchaseSyncSchema,
} from "./clickhouse/tables/purchase_syncs.ts";
export {
  getPurchasesPerMinute,
  insertPurchasesPerMinute,
  PURCHASES_PER_MINUTE_TABLE,
  type PurchasesPerMinute,
  PurchasesPerMinuteSchema,
} from "./clickhouse/tables/purchases_per_minute.ts";
export {
  PRODUCT_VIEWS_PER_DAY_TABLE,
  PRODUCT_VIEWS_PER_HOUR_TABLE,
  PURCHASES_PER_DAY_TABLE,
  PURCHASES_PER_HOUR_TABLE,
  type Rollup,
  ROLLUPS,
  rollupsOf,
} from "./clickhouse/tables/per_minute_rollups.ts";
export { fillMissingRollups, type RollupFill, rebuildRollups } from "./clickhouse/rollup_fill.ts";
export {
  CTR_PER_DAY_TABLE,
  CTR_PER_HOUR_TABLE,
  CTR_ROLLUPS,
  type CtrRollup,
} from "./clickhouse/tables/ctr_rollups.ts";
export {
  ctrDaysOfFolders,
  ctrDaysOfViews,
  fillMissingCtrDays,
  refreshAllCtrDays,
  refreshCtrDays,
} from "./clickhouse/ctr_rollup_refresh.ts";
export {
  type AppliedMigration,
  checkReplicated,
  isApplied,
  type Migration,
  migrate,
  migrationsFor,
  readMigrations,
  type SchemaNeed,
  schemaNeedOf,
  splitStatements,
} from "./clickhouse/migrate.ts";
export { ClusterDdlError, createDatabaseStatement, stagingStatements } from "./clickhouse/cluster_ddl.ts";
export { type NamedQuery, queryRows, runCommand, StoreError } from "./clickhouse/query.ts";
export { type PartitionReplacement, replacePartition, storageOf } from "./clickhouse/replace_partition.ts";
export { daysByMonth, lastDayOfMonth, monthPartitionId } from "./clickhouse/month_partition.ts";
export {
  type Relayout,
  STORE_LAYOUT_TABLE,
  STORE_LAYOUT_VERSION,
  storeLayoutVersion,
  TABLE_LAYOUTS,
  type TableLayout,
} from "./clickhouse/store_layout.ts";
export { OUTPUT_SETTINGS, type Store } from "./clickhouse/store.ts";

// What every process needs at start: its configuration (the one reader of process.env), its logger,
// the files it reads at run time, and which socket errors mean a server is not there. Both apps use them, and apps never import each other.
export {
  CONFIG_VARIABLES,
  type Config,
  type Env,
  formatLocation,
  type Location,
  loadConfig,
  parseLocation,
} from "./runtime/config.ts";
export { ConfigError } from "./runtime/config_error.ts";
export { createLogger, type Logger, type LoggerOptions } from "./runtime/logger.ts";
export { isUnreachableError } from "./runtime/network_errors.ts";
export { packageAsset } from "./runtime/package_asset.ts";
