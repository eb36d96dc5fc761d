import {
  type Location,
  loadConfig,
  PLATFORMS,
  type Platform,
  parseDay,
  parseLocation,
  parsePlatform,
} from "@ctr/schemas";
import { runBackfill } from "../backfill/run_backfill.ts";
import { formatSummary } from "../backfill/summary.ts";
import { type Command, type OptionValues, optionalString, requireString, UsageError } from "../command.ts";
import { checkRedisReachable } from "../queue/connection.ts";
import { runQueuedBackfill } from "../queue/run_queued_backfill.ts";

/** Reads --from/--to as a day range; both wanted, from not after to. */
export function readDayRange(values: OptionValues): { from: string; to: string } {
  const from = requireString(values, "from");
  const to = requireString(values, "to");
  for (const [flag, value] of [
    ["from", from],
    ["to", to],
  ] as const) {
    if (!parseDay(value)) throw new UsageError(`--${flag} wants a day as YYYY-MM-DD, got ${JSON.stringify(value)}`);
  }
  if (from > to) throw new UsageError(`--from ${from} is after --to ${to}`);
  return { from, to };
}

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
  usage: "ctr backfill --from D --to D [--platform P] [--source DIR|s3://...] [--no-wait]",
  details: `Reads <source>/<platform>/<day>/ for each day from..to (UTC days, both included) into
Parquet under PARQUET_SINK and per-minute views in ClickHouse, then syncs the purchases of those
days (GMT-3) from the orders database. Re-running gives the same totals.
  --from, --to   days as YYYY-MM-DD (required)
  --platform     iOS, Android or MobileWeb (default: all three)
  --source       a folder or s3://bucket/prefix (default: EVENTS_SOURCE)
Shards run WORKER_CONCURRENCY at once (default: the number of cores), each at most
SHARD_MAX_BYTES of source files. Exit code 1 when any step failed.
With REDIS_URL the backfill is a BullMQ flow run by \`ctr worker\` processes; this command follows it.
  --no-wait      submit the flow, print its job id and return (see \`ctr status JOB\`)`,
  options: {
    from: { type: "string" },
    to: { type: "string" },
    platform: { type: "string" },
    source: { type: "string" },
    "no-wait": { type: "boolean" },
  },
  async run(values) {
    const range = readDayRange(values);
    const platforms = readPlatforms(values);
    const sourceFlag = optionalString(values, "source");
    const source = sourceFlag === undefined ? undefined : readSource(sourceFlag);
    const config = loadConfig();
    if (config.redisUrl) {
      await checkRedisReachable(config.redisUrl);
      const queued = await runQueuedBackfill(config, { ...range, platforms, source }, process.stderr, {
        wait: values["no-wait"] !== true,
      });
      if ("id" in queued) {
        process.stdout.write(`${queued.id}\n`);
        return 0;
      }
      process.stdout.write(formatSummary(queued.summary));
      return queued.summary.failures.length > 0 ? 1 : 0;
    }
    const summary = await runBackfill(config, { ...range, platforms, source }, process.stderr);
    process.stdout.write(formatSummary(summary));
    return summary.failures.length > 0 ? 1 : 0;
  },
};
