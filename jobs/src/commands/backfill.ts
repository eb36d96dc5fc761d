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
import { type OptionValues, optionalString, requireString, UsageError } from "../command.ts";

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

/** `ctr backfill`: flags and help in ./index.ts. */
export async function run(values: OptionValues): Promise<number> {
  const range = readDayRange(values);
  const platforms = readPlatforms(values);
  const sourceFlag = optionalString(values, "source");
  const source = sourceFlag === undefined ? undefined : readSource(sourceFlag);
  const allowEmpty = values["allow-empty"] === true;
  const config = loadConfig();
  if (config.redisUrl) {
    // BullMQ and Redis are loaded only for the queued path.
    const { checkRedisReachable } = await import("../queue/connection.ts");
    const { runQueuedBackfill } = await import("../queue/run_queued_backfill.ts");
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
}
