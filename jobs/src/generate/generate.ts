import { daysBetween, PLATFORMS } from "@ctr/schemas";
import { buildCatalog } from "./catalog.ts";
import { writeOrders } from "./orders_file.ts";
import { generatePlatformDay } from "./platform_day.ts";
import type { GenerateReport, PlatformDayReport } from "./report.ts";

/**
 * The largest scale (about 100 GB of events a day). Order ids are `YYYYMMDD` and a 7-digit counter,
 * which holds a day's orders up to here; above it, ids of one day would run into the next.
 */
export const MAX_SCALE = 4_000;

export interface GenerateOptions {
  /** First UTC day of events and first GMT-3 day of orders, `YYYY-MM-DD`. */
  from: string;
  /** Last day, included. */
  to: string;
  /** Volume multiplier: 1 ≈ the real sample (≈ 47k views, ≈ 24 MB per platform-day). Positive. */
  scale: number;
  /** Folder receiving `<platform>/<day>/` event folders and the two CSVs. */
  outDir: string;
  /** Seed of the PRNG: the same options write byte-identical files. */
  seed: string;
  /** Called after each platform-day, e.g. to show progress. Default: nothing. */
  onPlatformDay?: (report: PlatformDayReport) => void;
}

/**
 * Writes realistic sample data: for each day and platform a folder of event files in the contract's
 * layout, and orders.csv / order_items.csv for the same days. Returns what it wrote.
 */
export async function generate(options: GenerateOptions): Promise<GenerateReport> {
  const { from, to, scale, outDir, seed } = options;
  if (!(scale > 0 && scale <= MAX_SCALE))
    throw new RangeError(`scale wants a number in (0, ${MAX_SCALE}], got ${scale}`);
  const started = performance.now();
  const days = daysBetween(from, to);
  if (days.length === 0) throw new RangeError(`empty day range ${from}..${to}`);
  const catalog = buildCatalog(seed);
  const platformDays: PlatformDayReport[] = [];
  for (const day of days) {
    // The platforms of a day are written side by side: while one waits for gzip (on libuv's thread
    // pool) or the disk, another makes its batches. Each has its own PRNG stream and folder, so the
    // output does not depend on the interleaving.
    const reports = await Promise.all(
      PLATFORMS.map(async (platform) => {
        const report = await generatePlatformDay({ outDir, platform, day, scale, seed, catalog });
        options.onPlatformDay?.(report);
        return report;
      }),
    );
    platformDays.push(...reports);
  }
  const orders = await writeOrders({ outDir, days, scale, seed, catalog });
  return { outDir, from, to, scale, seed, platformDays, orders, elapsedMs: performance.now() - started };
}
