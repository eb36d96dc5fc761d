import {
  type DayRange,
  dayRangeSchema,
  type Location,
  loadConfig,
  PLATFORMS,
  parseLocation,
  toFieldError,
} from "@ctr/schemas";
import { checkRedisReachable } from "@ctr/workers";
import { exitCodeOf, formatSummary } from "../backfill/summary.ts";
import { type OptionValues, optionalString, UsageError } from "../command.ts";
import { runBackfill, submitBackfill } from "../run/run_backfill.ts";

// The API's own validation of a day range (POST /jobs/backfill), its messages naming the flags.
const FLAG_RANGE = dayRangeSchema({ label: (field) => `--${field}` });

/**
 * Reads --from, --to (both wanted, from not after to, at most MAX_BACKFILL_DAYS days) and --platform
 * (optional) as the API reads them; a problem is a usage error naming the flag.
 */
export function readDayRange(values: OptionValues): DayRange {
  const parsed = FLAG_RANGE.safeParse({ from: values.from, to: values.to, platform: values.platform });
  if (!parsed.success) throw new UsageError(toFieldError(parsed.error, "from").message);
  return parsed.data;
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
  const { platform, ...range } = readDayRange(values);
  const platforms = platform ? [platform] : [...PLATFORMS];
  const sourceFlag = optionalString(values, "source");
  const source = sourceFlag === undefined ? undefined : readSource(sourceFlag);
  const allowEmpty = values["allow-empty"] === true;
  const config = loadConfig();
  const request = { ...range, platforms, source, allowEmpty };
  // The queue's connections wait for Redis forever: a wrong REDIS_URL fails here instead.
  if (config.redisUrl) await checkRedisReachable(config.redisUrl);
  if (config.redisUrl && values["no-wait"] === true) {
    process.stdout.write(`${await submitBackfill(config, request, process.stderr)}\n`);
    return 0;
  }
  const summary = await runBackfill(config, request, process.stderr);
  process.stdout.write(formatSummary(summary));
  return exitCodeOf(summary);
}
