import { type Config, formatLocation, type Location, type Platform, plural, type Store } from "@ctr/schemas";
import {
  type Folder,
  lazyStoreSide,
  loadEngine,
  openFolder,
  queueConfigOf,
  runnersOf,
  type ShardProgress,
} from "@ctr/workers";
import { executePlan } from "../backfill/execute_plan.ts";
import { type BackfillPlan, concurrentShards, planBackfill, shardCount } from "../backfill/plan.ts";
import { ListingReporter, type ProgressOutput } from "../backfill/progress.ts";
import { recordedRun } from "../backfill/run_history.ts";
import type { BackfillSummary } from "../backfill/summary.ts";
import { chooseExecutor, describeExecution } from "./choose_executor.ts";

/** What to backfill. */
export interface BackfillRequest {
  from: string;
  to: string;
  platforms: readonly Platform[];
  /** Where the day folders are. Default: EVENTS_SOURCE. */
  source?: Location;
  /** Replace loaded days with less (an empty listing, vanished files, no orders). Default false: refused. */
  allowEmpty?: boolean;
}

/** What a caller that keeps a job's status follows of a run. */
export interface RunHooks {
  /** The plan is made: its totals are known. */
  onPlanned?(plan: BackfillPlan): void;
  /** Files, bytes and views done so far. */
  onProgress?(done: ShardProgress): void;
  /** Where a warning goes (a run that could not be recorded). Default: `output`. */
  warn?(line: string): void;
}

/** Lists the day folders of `source` (showing the listing on `output`) and plans the shards. */
function plan(config: Config, request: BackfillRequest, source: Folder, output: ProgressOutput): Promise<BackfillPlan> {
  return planBackfill(source, {
    ...request,
    shardMaxBytes: config.shardMaxBytes,
    onListing: new ListingReporter(output).update,
  });
}

/** The line a backfill starts with: what it reads, and where its shards run. */
function describePlan(config: Config, request: BackfillRequest, planned: BackfillPlan): string {
  return (
    `backfill ${request.from}..${request.to} (${request.platforms.join(", ")}) from ${planned.source}: ` +
    `${plural(planned.totalFiles, "file")}, ${(planned.totalBytes / 1024 / 1024).toFixed(1)} MB in ` +
    `${plural(shardCount(planned), "shard")}, ${describeExecution(config)}\n`
  );
}

/**
 * `ctr backfill` (and `ctr demo`): plan, shards and commits, purchase syncs, run by the executor the
 * configuration picks (in this process, or a BullMQ flow with REDIS_URL that this process follows to
 * its end). The store side (ClickHouse, the orders database, the migrations) opens when the first
 * store step needs it, while the first files convert. Progress goes to `output`; the summary is
 * returned, and an in-process run is recorded in the store's job history (`ctr status`).
 */
export async function runBackfill(
  config: Config,
  request: BackfillRequest,
  output: ProgressOutput,
  /** An open store to use (and leave open). Default: one opened from the configuration and closed at the end. */
  openedStore?: Store,
  hooks: RunHooks = {},
): Promise<BackfillSummary> {
  const side = lazyStoreSide(config, openedStore);
  const source = openFolder(request.source ?? config.eventsSource, config.s3);
  const run = queueConfigOf(config)
    ? undefined
    : {
        kind: "backfill" as const,
        ...request,
        source: formatLocation(request.source ?? config.eventsSource),
        startedAt: new Date(),
      };
  const warn = hooks.warn ?? ((line: string) => output.write(`${line}\n`));
  try {
    // On the queue this process only follows the flow: the store is migrated before it is submitted, as always.
    if (run === undefined) await side.open();
    const store = async () => (side.failure() ? undefined : (await side.open()).store);
    return await recordedRun(store, run, warn, async () => {
      const planned = await plan(config, request, source, output);
      hooks.onPlanned?.(planned);
      output.write(describePlan(config, request, planned));
      // DuckDB's load blocks this thread: done before the shards start, so that the store steps the
      // in-process executor starts a moment after them find the shards' statements running.
      if (run && shardCount(planned) > 0) loadEngine();
      const runners = runnersOf(config, side, source, concurrentShards(planned, config.workerConcurrency));
      const executor = chooseExecutor(config, runners, request, warn, async () => (await side.open()).orders);
      const summary = await executePlan(executor, planned, output, hooks.onProgress);
      // A store side that could not open failed every store step for the same reason: say it once.
      const unavailable = side.failure();
      if (unavailable) throw unavailable;
      return summary;
    });
  } finally {
    await side.close();
  }
}

/**
 * `ctr backfill --no-wait` (REDIS_URL): plans the backfill and adds its flow to the queue, returning
 * the flow's id as soon as it is in Redis; the workers run it.
 */
export async function submitBackfill(
  config: Config,
  request: BackfillRequest,
  output: ProgressOutput,
): Promise<string> {
  const queue = queueConfigOf(config);
  if (!queue) throw new Error("submitBackfill needs REDIS_URL");
  const source = openFolder(request.source ?? config.eventsSource, config.s3);
  const planned = await plan(config, request, source, output);
  output.write(describePlan(config, request, planned));
  if (config.clickhouse.kind === "embedded") {
    output.write(
      "note: ClickHouse is embedded: the commits run when the process owning it (ctr serve, or a ctr backfill that waits) consumes the store queue\n",
    );
  }
  const { submitBackfillFlow } = await import("../queue/bullmq_executor.ts");
  const { readOrdersState } = await import("../queue/orders_state.ts");
  return submitBackfillFlow(queue, request, planned, await readOrdersState(config, planned.purchaseDays));
}
