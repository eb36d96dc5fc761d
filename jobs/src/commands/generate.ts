import { formatDay, formatLocation, loadConfig, parseDay } from "@ctr/schemas";
import { type Command, type OptionValues, optionalString, UsageError } from "../command.ts";
import { generate, MAX_SCALE } from "../generate/generate.ts";
import { formatPlatformDay, formatSummary } from "../generate/report.ts";

const DEFAULT_FROM = "2016-02-01";
const DEFAULT_TO = "2016-02-03";

export const generateCommand: Command = {
  name: "generate",
  summary: "Write realistic sample events and orders CSVs",
  usage: "ctr generate [--from D] [--to D] [--scale N] [--out DIR] [--seed S]",
  details: `Writes DIR/<platform>/<YYYY-MM-DD>/part-*.{json,ndjson,jsonl}[.gz] for iOS, Android and MobileWeb,
and DIR/orders.csv, DIR/order_items.csv for the same (GMT-3) days.

  --from D     first day (default ${DEFAULT_FROM})
  --to D       last day, included (default ${DEFAULT_TO})
  --scale N    volume, a positive number: 1 is about the real sample (47k views, 24 MB per
               platform-day), 400 about 10 GB a day, 0.01 small test data (default 1)
  --out DIR    output folder (default EVENTS_SOURCE when it is a folder, else CTR_DATA_DIR/raw)
  --seed S     PRNG seed, a whole number: the same flags give byte-identical files (default 1)`,
  options: {
    from: { type: "string" },
    to: { type: "string" },
    scale: { type: "string" },
    out: { type: "string" },
    seed: { type: "string" },
  },
  async run(values) {
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
  },
};

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
