import { mkdir, readdir, rm } from "node:fs/promises";
import path from "node:path";
import { PLATFORMS, type Platform, parseDay } from "@ctr/schemas";
import { BatchFileWriter, type FileShape, PART_SHAPES, SINGLE_BATCH_SHAPE } from "./batch_file.ts";
import { BatchMaker } from "./batches.ts";
import type { Catalog } from "./catalog.ts";
import { Random } from "./prng.ts";
import type { PlatformDayReport } from "./report.ts";

/** Product views per platform-day at scale 1: the real sample (MobileWeb, 2016-02-01) had 47,633. */
export const VIEWS_PER_PLATFORM_DAY = 47_633;

/** Relative traffic of the platforms, so they do not look identical. */
export const PLATFORM_TRAFFIC: Record<Platform, number> = { Android: 1.1, MobileWeb: 1, iOS: 0.9 };

/** The files this generator owns in a day folder; stale ones from an earlier run are replaced. */
const OWN_FILE = /^(part-\d{4}|single-\d{4})\.(json|ndjson|jsonl)(\.gz)?(\.tmp)?$/;

export interface PlatformDayOptions {
  outDir: string;
  platform: Platform;
  day: string;
  scale: number;
  seed: string;
  catalog: Catalog;
}

/** The expected product views of a platform-day (before the day's own jitter). */
export function expectedViews(platform: Platform, scale: number): number {
  return VIEWS_PER_PLATFORM_DAY * PLATFORM_TRAFFIC[platform] * scale;
}

/**
 * Writes `<outDir>/<platform>/<day>/`: 4..6 part files of rotating shapes plus now and then a
 * single-batch file, and reports what they hold. Re-running replaces the folder's generated files
 * (and only those: other files in the folder are left alone).
 */
export async function generatePlatformDay(options: PlatformDayOptions): Promise<PlatformDayReport> {
  const { outDir, platform, day, scale, seed, catalog } = options;
  const dayStart = parseDay(day);
  if (!dayStart) throw new RangeError(`not a day: ${day}`);
  const rng = Random.derive(seed, "events", platform, day);
  const dir = path.join(outDir, platform, day);
  await clearGeneratedFiles(dir);

  const views = Math.max(1, Math.round(expectedViews(platform, scale) * (0.95 + 0.1 * rng.float())));
  const report: PlatformDayReport = {
    platform,
    day,
    files: [],
    bytes: 0,
    textBytes: 0,
    batches: 0,
    events: 0,
    views: 0,
    ignored: 0,
    distinctProducts: 0,
  };
  const maker = new BatchMaker(rng, catalog, dayStart.getTime(), new Uint8Array(catalog.products.length));
  for (const part of planParts(rng, platform, dayStart, views)) await writePart(dir, part, maker, report);
  report.distinctProducts = maker.seen.reduce((n, flag) => n + flag, 0);
  return report;
}

interface PartPlan {
  name: string;
  shape: FileShape;
  views: number;
}

/** 4..6 part files of rotating shapes and now and then a single-batch file, with their views. */
function planParts(rng: Random, platform: Platform, dayStart: Date, views: number): PartPlan[] {
  // Rotate shapes by day and platform so that every run mixes all of them.
  const offset = Math.floor(dayStart.getTime() / 86_400_000) + 3 * PLATFORMS.indexOf(platform);
  const shapes = Array.from(
    { length: 4 + rng.int(3) },
    (_, i) => PART_SHAPES[(offset + i) % PART_SHAPES.length] as FileShape,
  );
  // Plain pretty-printed files carry most views, as in the real export (about 500 bytes a batch);
  // gzip is the slowest part of writing, so gzipped parts stay smaller.
  const partViews = splitViews(
    rng,
    views,
    shapes.map((shape) => (shape.pretty && !shape.gzip ? 10 : 1)),
  );
  const parts = shapes.map((shape, i) => ({
    name: `part-${String(i).padStart(4, "0")}${shape.extension}`,
    shape,
    views: partViews[i] ?? 0,
  }));
  // A few folders also get a file holding one batch object; its view comes out of the last part.
  const last = parts[parts.length - 1];
  if (rng.chance(0.4) && last && last.views > 1) {
    last.views--;
    parts.push({ name: `single-0000${SINGLE_BATCH_SHAPE.extension}`, shape: SINGLE_BATCH_SHAPE, views: 1 });
  }
  return parts;
}

/** Writes one file with the planned number of views, adding what it holds to the report. */
async function writePart(dir: string, part: PartPlan, maker: BatchMaker, report: PlatformDayReport): Promise<void> {
  const single = part.shape.layout === "object";
  const writer = new BatchFileWriter(path.join(dir, part.name), part.shape);
  try {
    let left = part.views;
    while (left > 0) {
      const batch = maker.next(left);
      // A single-batch file holds exactly one batch, and it should hold its view.
      if (single && batch.views === 0) continue;
      await writer.add(batch);
      left -= batch.views;
      report.batches++;
      report.events += batch.events.length;
      report.views += batch.views;
      report.ignored += batch.ignored;
    }
    const written = await writer.close();
    report.files.push(part.name);
    report.bytes += written.bytes;
    report.textBytes += written.textBytes;
  } catch (error) {
    await writer.abort();
    throw error;
  }
}

/** Splits a day's views over its part files by weight, jittered, as real exports are uneven. */
function splitViews(rng: Random, total: number, shares: number[]): number[] {
  const weights = shares.map((share) => share * (0.5 + rng.float()));
  const sum = weights.reduce((a, b) => a + b, 0);
  const counts = weights.map((w) => Math.floor((total * w) / sum));
  counts[0] = (counts[0] as number) + total - counts.reduce((a, b) => a + b, 0);
  return counts;
}

async function clearGeneratedFiles(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const name of await readdir(dir)) {
    if (OWN_FILE.test(name)) await rm(path.join(dir, name), { force: true });
  }
}
