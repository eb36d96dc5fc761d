import { ConfigError, loadConfig, parseDay } from "@ctr/schemas";
import { checkRedisReachable, queueConfigOf } from "@ctr/workers";
import { exitCodeOf, formatSummary } from "../backfill/summary.ts";
import { type OptionValues, optionalString, UsageError } from "../command.ts";
import { checkCronPattern } from "../daily/cron_pattern.ts";
import { yesterdayUtc } from "../daily/plan_daily.ts";
import { runDaily } from "../run/run_daily.ts";

/** `ctr daily`: flags and help in ./index.ts. */
export async function run(values: OptionValues): Promise<number> {
  const date = optionalString(values, "date") ?? yesterdayUtc();
  if (!parseDay(date)) throw new UsageError(`--date wants a day as YYYY-MM-DD, got ${JSON.stringify(date)}`);
  const schedule = optionalString(values, "schedule");
  if (schedule !== undefined) checkCronPattern(schedule);
  const config = loadConfig();
  if (schedule !== undefined || values.unschedule === true) {
    const queue = queueConfigOf(config);
    if (!queue) throw new ConfigError("REDIS_URL", "a daily schedule lives in Redis: set REDIS_URL");
    await checkRedisReachable(queue.redisUrl);
    // BullMQ is loaded for the schedule only: an in-process daily never loads it.
    const { scheduleDaily } = await import("../queue/store_queue.ts");
    await scheduleDaily(queue, schedule);
    process.stdout.write(schedule ? `daily run scheduled: ${schedule} (UTC)\n` : "daily schedule removed\n");
    return 0;
  }
  if (config.redisUrl) await checkRedisReachable(config.redisUrl);
  const summary = await runDaily(config, date, process.stderr, { allowEmpty: values["allow-empty"] === true });
  process.stdout.write(formatSummary(summary, { run: "daily" }));
  return exitCodeOf(summary);
}
