import { type FileStatus, formatCount, plural, type RefusedDay } from "@ctr/schemas";

/** How many missing files a refusal names; the rest are counted. */
const NAMED_FILES = 5;

/** What to do about a refusal, for the CLI and the API alike. */
const HOW_TO_ALLOW = 're-run with --allow-empty (ctr backfill, ctr daily) or "allowEmpty": true (POST /jobs/backfill)';

/**
 * What a day's files are listed from, and so what the message tells the user to check: the source's
 * day folder (backfill, daily), or the sink's manifests (`ctr rebuild`, which replays ClickHouse
 * from the Parquet).
 */
const LISTINGS = {
  source: {
    lists: "the source lists no event files for this day",
    missing: "missing from the source",
    check:
      "Check the source (--source, EVENTS_SOURCE): a wrong prefix, missing permissions or a folder not mounted look like this",
    replace: `To replace the day with what the source holds now, ${HOW_TO_ALLOW}`,
  },
  sink: {
    lists: "the sink holds no outputs for this day",
    missing: "missing from the sink",
    check:
      "Check PARQUET_SINK: a wrong prefix, missing permissions or a folder not mounted look like this; ctr backfill writes the outputs again from the source",
    replace: "To replace the day with what the sink holds now, re-run with --allow-empty (ctr rebuild)",
  },
} as const;

/**
 * A run that would have replaced loaded data with less without being asked: nothing was changed,
 * in ClickHouse or in the sink. Permanent: running it again gives the same answer.
 */
export class DayRefusedError extends Error {
  constructor(readonly refusal: RefusedDay) {
    super(`${refusal.step}: ${refusal.message}`);
    this.name = "DayRefusedError";
  }
}

/** A file the manifest knows for a (platform, day): in the sink's manifests or in ingested_files_v1. */
export interface KnownFile {
  file: string;
  status: FileStatus;
}

function nameSome(files: readonly string[]): string {
  const named = files.slice(0, NAMED_FILES).join(", ");
  return files.length > NAMED_FILES ? `${named} and ${files.length - NAMED_FILES} more` : named;
}

/**
 * The one check every commit of a (platform, day) goes through (in-process and on the queue, and
 * `ctr rebuild`): a file the manifest says was loaded must still be in the listing. An empty listing
 * of a day with data, or one that lacks loaded files, is refused unless `allowEmpty`. Failed files
 * held no views: they may vanish.
 */
export function checkNothingVanishes(target: {
  platform: string;
  day: string;
  listed: readonly string[];
  known: Iterable<KnownFile>;
  allowEmpty: boolean;
  /** What `listed` comes from. Default `source`: a day folder. */
  listedFrom?: keyof typeof LISTINGS;
}): void {
  if (target.allowEmpty) return;
  const listed = new Set(target.listed);
  const loaded = new Set<string>();
  for (const { file, status } of target.known) if (status === "loaded") loaded.add(file);
  const missing = [...loaded].filter((file) => !listed.has(file)).sort();
  if (missing.length === 0) return;
  const listing = LISTINGS[target.listedFrom ?? "source"];
  const what =
    listed.size === 0
      ? `${listing.lists}, but ${plural(loaded.size, "file was", "files were")} loaded (${nameSome(missing)})`
      : `${formatCount(missing.length)} of the ${plural(loaded.size, "file")} loaded for this day ${missing.length === 1 ? "is" : "are"} ${listing.missing} (${nameSome(missing)})`;
  throw new DayRefusedError({
    step: `views ${target.platform} ${target.day}`,
    message: `${what}; nothing was changed. ${listing.check}. ${listing.replace}.`,
    missingFiles: missing.slice(0, NAMED_FILES),
    missingCount: missing.length,
  });
}

/**
 * A purchase sync's guard: a GMT-3 day that returns no order items, where the last sync of that day
 * had some, is refused unless `allowEmpty` (the orders database emptied or pointed elsewhere).
 */
export function checkPurchasesRemain(target: {
  day: string;
  orderItems: number;
  previousOrderItems: number | undefined;
  allowEmpty: boolean;
}): void {
  if (target.allowEmpty || target.orderItems > 0 || !target.previousOrderItems) return;
  throw new DayRefusedError({
    step: `purchases ${target.day}`,
    message:
      `the orders database returns no order items for this day, but the last sync found ${target.previousOrderItems}; ` +
      `nothing was changed. Check ORDERS_DATABASE_URL and the last orders load. To empty the day's purchases, ${HOW_TO_ALLOW}.`,
    missingFiles: [],
    missingCount: 0,
  });
}
