import { ConfigError, loadConfig, parseDay } from "@ctr/schemas";
import { exitCodeOf, formatSummary } from "../backfill/summary.ts";
import { type OptionValues, optionalString, UsageError } from "../command.ts";
import { yesterdayUtc } from "../daily/plan_daily.ts";
import { runDaily, scheduleDaily } from "../daily/run_daily.ts";
import { checkRedisReachable } from "../queue/connection.ts";
import { queueConfigOf } from "../submission/backfill_session.ts";

/** `ctr daily`: flags and help in ./index.ts. */
export async function run(values: OptionValues): Promise<number> {
  const date = optionalString(values, "date") ?? yesterdayUtc();
  if (!parseDay(date)) throw new UsageError(`--date wants a day as YYYY-MM-DD, got ${JSON.stringify(date)}`);
  const schedule = optionalString(values, "schedule");
  const config = loadConfig();
  if (schedule !== undefined || values.unschedule === true) {
    const queue = queueConfigOf(config);
    if (!queue) throw new ConfigError("REDIS_URL", "a daily schedule lives in Redis: set REDIS_URL");
    await checkRedisReachable(queue.redisUrl);
    await scheduleDaily(queue, schedule);
    process.stdout.write(schedule ? `daily run scheduled: ${schedule} (UTC)\n` : "daily schedule removed\n");
    return 0;
  }
  if (config.redisUrl) await checkRedisReachable(config.redisUrl);
  const summary = await runDaily(config, date, process.stderr, { allowEmpty: values["allow-empty"] === true });
  process.stdout.write(formatSummary(summary, { run: "daily" }));
  return exitCodeOf(summary);
}
