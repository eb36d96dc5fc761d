import { formatDay, formatLocation, loadConfig, parseDay } from "@ctr/schemas";
import { type OptionValues, optionalString, UsageError } from "../command.ts";
import { generate, MAX_SCALE } from "../generate/generate.ts";
import { formatPlatformDay, formatSummary } from "../generate/report.ts";

const DEFAULT_FROM = "2016-02-01";
const DEFAULT_TO = "2016-02-03";

/** `ctr generate`: flags and help in ./index.ts. */
export async function run(values: OptionValues): Promise<number> {
  const from = dayFlag(values, "from", DEFAULT_FROM);
  const to = dayFlag(values, "to", DEFAULT_TO);
  if (to < from) throw new UsageError(`--to (${to}) is before --from (${from})`);
  const scaleText = optionalString(values, "scale") ?? "1";
  const scale = Number(scaleText);
  if (!/^\d+(\.\d+)?$/.test(scaleText) || !(scale > 0 && scale <= MAX_SCALE)) {
    throw new UsageError(
      `--scale wants a positive number up to ${MAX_SCALE} such as 1, 0.05 or 400, got '${scaleText}'`,
    );
  }
  const seed = optionalString(values, "seed") ?? "1";
  if (!/^\d{1,15}$/.test(seed)) throw new UsageError(`--seed wants a whole number, got '${seed}'`);
  const outDir = optionalString(values, "out") ?? defaultOutDir();
  const report = await generate({
    from,
    to,
    scale,
    seed,
    outDir,
    onPlatformDay: (r) => process.stderr.write(`generate: ${formatPlatformDay(r)}\n`),
  });
  process.stdout.write(`${formatSummary(report)}\n`);
  return 0;
}

function dayFlag(values: OptionValues, flag: string, fallback: string): string {
  const text = optionalString(values, flag) ?? fallback;
  const day = parseDay(text);
  if (!day) throw new UsageError(`--${flag} wants a day as YYYY-MM-DD, got '${text}'`);
  return formatDay(day);
}

/** The configured EVENTS_SOURCE, so that `ctr backfill` finds the data without flags. */
function defaultOutDir(): string {
  const source = loadConfig().eventsSource;
  if (source.kind !== "local") {
    throw new UsageError(`--out is required: EVENTS_SOURCE is ${formatLocation(source)}, not a local folder`);
  }
  return source.dir;
}
