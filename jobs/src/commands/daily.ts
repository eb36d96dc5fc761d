import { ConfigError, loadConfig, parseDay } from "@ctr/schemas";
import { exitCodeOf, formatSummary } from "../backfill/summary.ts";
import { type Command, optionalString, UsageError } from "../command.ts";
import { yesterdayUtc } from "../daily/plan_daily.ts";
import { runDaily, scheduleDaily } from "../daily/run_daily.ts";
import { checkRedisReachable } from "../queue/connection.ts";
import { queueConfigOf } from "../submission/backfill_session.ts";
import { ALLOW_EMPTY_HELP, EXIT_CODES_HELP } from "./backfill.ts";

export const dailyCommand: Command = {
  name: "daily",
  summary: "Incremental run: new or changed files, and the day's orders",
  usage: "ctr daily [--date D] [--allow-empty] | ctr daily --schedule CRON | ctr daily --unschedule",
  details: `Processes --date (default: yesterday, UTC) plus every day whose files are new or changed
against the manifest (size and etag), failed before, or gone: only those files are read again, then
each such day is committed from all its Parquet, and the day's purchases are synced. Unchanged files
are not re-read. In-process, or a BullMQ flow with REDIS_URL.
  --date D          the day, YYYY-MM-DD (default: yesterday UTC)
${ALLOW_EMPTY_HELP}
  --schedule CRON   with REDIS_URL: run it on a cron schedule (UTC), e.g. "30 2 * * *"; the process
                    consuming the store queue runs it (ctr serve when ClickHouse is embedded)
  --unschedule      remove that schedule
${EXIT_CODES_HELP}`,
  options: {
    date: { type: "string" },
    "allow-empty": { type: "boolean" },
    schedule: { type: "string" },
    unschedule: { type: "boolean" },
  },
  async run(values) {
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
    process.stdout.write(formatSummary(summary));
    return exitCodeOf(summary);
  },
};
