// biome-ignore-all assist/source/organizeImports: grouped by what the package holds, as a reader looks for it
// @ctr/jobs: the coordinator and the `ctr` CLI, the composition root. Nothing in the product imports
// it (bin/ctr.js runs the build of cli.ts); these exports are what the cross-package tests and the
// benchmarks drive.

export { main } from "./cli.ts";

// Backfills and daily runs, on the executor the configuration picks (in-process, or BullMQ with REDIS_URL).
export { type BackfillRequest, type RunHooks, runBackfill, submitBackfill } from "./run/run_backfill.ts";
export { runDaily } from "./run/run_daily.ts";
export { chooseExecutor, describeExecution } from "./run/choose_executor.ts";
export { InProcessSubmitter, type JobLog } from "./run/in_process_submitter.ts";
export { type JobSystem, startJobSystem } from "./run/job_system.ts";

// The pieces of a run: its plan, its executor, its summary, its ids.
export { type BackfillPlan, type DayPlan, groupIntoShards, planBackfill, plannedTotals } from "./backfill/plan.ts";
export { dailyRange, planDaily, yesterdayUtc } from "./daily/plan_daily.ts";
export type { Executor, ExecutorEvents } from "./backfill/executor.ts";
export { InProcessExecutor } from "./backfill/in_process_executor.ts";
export { executePlan } from "./backfill/execute_plan.ts";
export { type BackfillSummary, EXIT, exitCodeOf, formatSummary, summarize } from "./backfill/summary.ts";
export { type RebuildOutcome, runRebuild } from "./backfill/run_rebuild.ts";
export { backfillJobId, type RunRange, runId } from "./backfill/job_ids.ts";

// The queue side: flows, their outcome, the daily schedule.
export { BullMqExecutor, submitBackfillFlow, waitForOutcome } from "./queue/bullmq_executor.ts";
export { DAILY_SCHEDULER_ID, dailyJobHandler, scheduleDaily } from "./queue/store_queue.ts";

// The demo, and the sample data generator (`ctr generate`) with the parts the ingest benchmark reuses.
export { exampleQueries, type PreparedDemo, prepareDemo } from "./commands/demo.ts";
export { type GenerateOptions, generate } from "./generate/generate.ts";
export type { GenerateReport } from "./generate/report.ts";
export { buildCatalog, type Catalog } from "./generate/catalog.ts";
export { BatchFileWriter, PART_SHAPES } from "./generate/batch_file.ts";
export { BatchMaker } from "./generate/batches.ts";
export { writeOrders } from "./generate/orders_file.ts";
export { Random } from "./generate/prng.ts";
