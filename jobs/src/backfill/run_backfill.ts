import type { Config, Location, Platform, Store } from "@ctr/schemas";
import { formatLocation, migrate, openStore } from "@ctr/schemas";
import { openFolder, openOrdersDatabase } from "@ctr/workers";
import { plural } from "../format.ts";
import { InProcessExecutor } from "./executor.ts";
import { inProcessRunners } from "./in_process_runners.ts";
import { planBackfill } from "./plan.ts";
import { dayProgressEvents, ListingReporter, type ProgressOutput, ProgressReporter } from "./progress.ts";
import { recordRun } from "./run_history.ts";
import { type BackfillSummary, summarize } from "./summary.ts";

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

/**
 * Runs a backfill in this process on the configured stores: migrations, plan, shards and
 * commits, purchase syncs. Progress goes to `output`; the summary is returned, and recorded in the
 * store's job history (`ctr status`).
 */
export async function runBackfill(
  config: Config,
  request: BackfillRequest,
  output: ProgressOutput,
  /** An open store to use (and leave open). Default: one opened from the configuration and closed at the end. */
  openedStore?: Store,
): Promise<BackfillSummary> {
  const source = openFolder(request.source ?? config.eventsSource, config.s3);
  const sink = openFolder(config.parquetSink, config.s3);
  const store = openedStore ?? openStore(config.clickhouse);
  const orders = await openOrdersDatabase(config.ordersDatabaseUrl);
  const run = {
    kind: "backfill" as const,
    ...request,
    source: formatLocation(request.source ?? config.eventsSource),
    startedAt: new Date(),
  };
  const warn = (line: string) => output.write(`${line}\n`);
  let migrated = false;
  try {
    await migrate(store);
    migrated = true;
    const plan = await planBackfill(source, {
      ...request,
      shardMaxBytes: config.shardMaxBytes,
      onListing: new ListingReporter(output).update,
    });
    const concurrency = config.workerConcurrency;
    const shards = plan.days.reduce((n, d) => n + d.shards.length, 0);
    // Fewer shards than slots (one big file, say) share the cores among the shards that exist.
    const running = Math.max(1, Math.min(concurrency, shards));
    const executor = new InProcessExecutor(
      inProcessRunners({ config, store, source, sink, orders, concurrency: running }),
      concurrency,
    );
    output.write(
      `backfill ${request.from}..${request.to} (${request.platforms.join(", ")}) from ${plan.source}: ` +
        `${plural(plan.totalFiles, "file")}, ${(plan.totalBytes / 1024 / 1024).toFixed(1)} MB in ${plural(shards, "shard")}, ${concurrency} at once\n`,
    );
    const progress = new ProgressReporter(
      { files: plan.totalFiles, bytes: plan.totalBytes, days: plan.days.length },
      output,
    );
    const outcome = await executor.run(plan, dayProgressEvents(progress));
    progress.finish();
    const summary = summarize(plan, outcome);
    await recordRun(store, run, summary, warn);
    return summary;
  } catch (error) {
    if (migrated && error instanceof Error) await recordRun(store, run, error, warn);
    throw error;
  } finally {
    await orders.close();
    if (!openedStore) await store.close();
  }
}
