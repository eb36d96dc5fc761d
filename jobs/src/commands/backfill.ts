import {
  dayCount,
  type Location,
  loadConfig,
  MAX_BACKFILL_DAYS,
  PLATFORMS,
  type Platform,
  parseDay,
  parseLocation,
  parsePlatform,
} from "@ctr/schemas";
import { runBackfill } from "../backfill/run_backfill.ts";
import { exitCodeOf, formatSummary } from "../backfill/summary.ts";
import { type Command, type OptionValues, optionalString, requireString, UsageError } from "../command.ts";
import { checkRedisReachable } from "../queue/connection.ts";
import { runQueuedBackfill } from "../queue/run_queued_backfill.ts";

/** Reads --from/--to as a day range; both wanted, from not after to, at most MAX_BACKFILL_DAYS days (as the API). */
export function readDayRange(values: OptionValues): { from: string; to: string } {
  const from = requireString(values, "from");
  const to = requireString(values, "to");
  const dates = [
    ["from", from],
    ["to", to],
  ].map(([flag, value]) => {
    const date = parseDay(value ?? "");
    if (!date) throw new UsageError(`--${flag} wants a day as YYYY-MM-DD, got ${JSON.stringify(value)}`);
    return date;
  });
  if (from > to) throw new UsageError(`--from ${from} is after --to ${to}`);
  const days = dayCount(dates[0] as Date, dates[1] as Date);
  if (days > MAX_BACKFILL_DAYS) {
    throw new UsageError(
      `--from ${from} --to ${to} covers ${days.toLocaleString("en-US")} days; one run may cover at most ${MAX_BACKFILL_DAYS.toLocaleString("en-US")} (split the range)`,
    );
  }
  return { from, to };
}

/** The help lines of --allow-empty, shared by backfill and daily. */
export const ALLOW_EMPTY_HELP = `  --allow-empty  replace loaded days with less: without it a platform-day whose listing is
                 empty or lacks files that were loaded, and a day of purchases that returns no
                 order items where an earlier sync had some, are refused (left as they were,
                 reported, exit code 1)`;

/** The help lines of the exit codes, shared by backfill and daily. */
export const EXIT_CODES_HELP = `Exit codes: 0 done; 1 a step failed or a day was refused; 2 misuse; 3 done, but some
platform-days are partial: files that could not be read (bad gzip, missing object) are listed, the
rest of their day is loaded, and the next run reads them again.`;

function readPlatforms(values: OptionValues): Platform[] {
  const value = optionalString(values, "platform");
  if (value === undefined) return [...PLATFORMS];
  const platform = parsePlatform(value);
  if (!platform) throw new UsageError(`--platform wants one of ${PLATFORMS.join(", ")}, got ${JSON.stringify(value)}`);
  return [platform];
}

function readSource(value: string): Location {
  try {
    return parseLocation(value, "--source");
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export const backfillCommand: Command = {
  name: "backfill",
  summary: "Ingest the day folders D..D and sync purchases of those days",
  usage: "ctr backfill --from D --to D [--platform P] [--source DIR|s3://...] [--allow-empty] [--no-wait]",
  details: `Reads <source>/<platform>/<day>/ for each day from..to (UTC days, both included) into
Parquet under PARQUET_SINK and per-minute views in ClickHouse, then syncs the purchases of those
days (GMT-3) from the orders database. Re-running gives the same totals.
  --from, --to   days as YYYY-MM-DD (required), at most ${MAX_BACKFILL_DAYS} days
  --platform     iOS, Android or MobileWeb (default: all three)
  --source       a folder or s3://bucket/prefix (default: EVENTS_SOURCE)
${ALLOW_EMPTY_HELP}
Shards run WORKER_CONCURRENCY at once (default: the number of cores), each at most
SHARD_MAX_BYTES of source files.
With REDIS_URL the backfill is a BullMQ flow run by \`ctr worker\` processes; this command follows it.
  --no-wait      submit the flow, print its job id and return (see \`ctr status JOB\`)
${EXIT_CODES_HELP}`,
  options: {
    from: { type: "string" },
    to: { type: "string" },
    platform: { type: "string" },
    source: { type: "string" },
    "allow-empty": { type: "boolean" },
    "no-wait": { type: "boolean" },
  },
  async run(values) {
    const range = readDayRange(values);
    const platforms = readPlatforms(values);
    const sourceFlag = optionalString(values, "source");
    const source = sourceFlag === undefined ? undefined : readSource(sourceFlag);
    const allowEmpty = values["allow-empty"] === true;
    const config = loadConfig();
    if (config.redisUrl) {
      await checkRedisReachable(config.redisUrl);
      const queued = await runQueuedBackfill(config, { ...range, platforms, source, allowEmpty }, process.stderr, {
        wait: values["no-wait"] !== true,
      });
      if ("id" in queued) {
        process.stdout.write(`${queued.id}\n`);
        return 0;
      }
      process.stdout.write(formatSummary(queued.summary));
      return exitCodeOf(queued.summary);
    }
    const summary = await runBackfill(config, { ...range, platforms, source, allowEmpty }, process.stderr);
    process.stdout.write(formatSummary(summary));
    return exitCodeOf(summary);
  },
};
