import { type Config, formatLocation, PLATFORMS, plural } from "@ctr/schemas";
import { openFolder, openStoreSide, queueConfigOf, runnersOf } from "@ctr/workers";
import { executePlan } from "../backfill/execute_plan.ts";
import type { BackfillPlan } from "../backfill/plan.ts";
import { ListingReporter, type ProgressOutput } from "../backfill/progress.ts";
import { type RunRequest, recordedRun } from "../backfill/run_history.ts";
import { type BackfillSummary, namePlatformDays } from "../backfill/summary.ts";
import { dailyRange, planDaily } from "../daily/plan_daily.ts";
import { chooseExecutor } from "./choose_executor.ts";

/** The lines a daily run starts with: the days it commits again, named, and the files it reads. */
function describePlan(date: string, plan: BackfillPlan): string {
  return (
    `daily ${date}: ${plural(plan.days.length, "platform-day")} to commit, ` +
    `${plural(plan.totalFiles, "new or changed file")} to read (${(plan.totalBytes / 1024 / 1024).toFixed(1)} MB)\n` +
    `  to commit: ${namePlatformDays(plan.days)}\n`
  );
}

/**
 * The incremental run of `date` (default yesterday, UTC): plans the new or changed files against the
 * manifest, runs them with the executor the configuration picks (in this process, or a BullMQ flow
 * with REDIS_URL), commits the planned days and syncs the day's purchases. Returns the summary; its
 * files are the re-read ones. An in-process run is recorded in the store's job history.
 */
export async function runDaily(
  config: Config,
  date: string,
  output: ProgressOutput,
  /** Replace loaded days with less (vanished files, no orders). Default false: refused. */
  options: { allowEmpty?: boolean } = {},
): Promise<BackfillSummary> {
  const source = openFolder(config.eventsSource, config.s3);
  const side = await openStoreSide(config);
  const run: RunRequest | undefined = queueConfigOf(config)
    ? undefined
    : {
        kind: "daily",
        from: date,
        to: date,
        platforms: PLATFORMS,
        source: formatLocation(config.eventsSource),
        startedAt: new Date(),
      };
  const warn = (line: string) => output.write(`${line}\n`);
  try {
    return await recordedRun(
      async () => side.store,
      run,
      warn,
      async () => {
        const plan = await planDaily(source, side.store, {
          date,
          shardMaxBytes: config.shardMaxBytes,
          allowEmpty: options.allowEmpty,
          onListing: new ListingReporter(output).update,
        });
        output.write(describePlan(date, plan));
        const range = dailyRange(plan, date);
        // The history names a daily by its date; it covers every day it committed again.
        if (run) run.from = range.from;
        const executor = chooseExecutor(config, runnersOf(config, side, source), range, warn, async () => side.orders);
        return executePlan(executor, plan, output);
      },
    );
  } finally {
    await side.close();
  }
}
