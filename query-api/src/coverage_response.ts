import { FILE_STATUSES, PLATFORMS } from "@ctr/schemas";
import { z } from "zod";

/** `GET /coverage`'s answer, field by field: the handler's types are inferred from it. */

const count = (description: string) => z.int().nonnegative().meta({ description });
const day = (description: string) => z.string().meta({ format: "date", description });
const isoTime = (description: string) => z.string().meta({ format: "date-time", description });

const SourceTotals = {
  events: count("Events read (every event_type)"),
  views: count("Product views stored"),
  ignored: count("Events that are not product views"),
  malformed: count("Lines or batches skipped as malformed"),
};

const LoadedFileSchema = z.object({
  file: z.string().meta({ description: "The file, relative to its day folder's source" }),
  size: count("Bytes"),
  batches: count("Batches read"),
  ...SourceTotals,
  status: z.enum(FILE_STATUSES).meta({ description: "failed: the file could not be read at all" }),
  reason: z.string().meta({
    description:
      "Why a failed file could not be read; for a loaded file, why it is incomplete (truncated: its whole batches are loaded, its cut-off end is not); empty for a complete one. Server paths are shown by the variable that sets their folder ($EVENTS_SOURCE/...), others by their last segment",
  }),
  loadedAt: isoTime("When the file was loaded (UTC)"),
});
export type LoadedFile = z.infer<typeof LoadedFileSchema>;

/**
 * One loaded (platform, day) of views: its totals, its newest load time and its files. `files` and
 * `bytes` count every file of the day, failed ones included; `status` is `partial` while some file
 * could not be read (`failedFiles` names them with the reason), else `complete`.
 */
const ViewsCoverageSchema = z
  .object({
    platform: z.enum(PLATFORMS),
    day: day("The folder's day (UTC)"),
    files: count("Files of the day, failed ones included"),
    bytes: count("Their bytes"),
    ...SourceTotals,
    loadedAt: isoTime("The newest load of a file of the day (UTC)"),
    status: z
      .enum(["complete", "partial"])
      .meta({ description: "partial while some file could not be read, or was cut off (truncated)" }),
    failedFiles: z.array(z.object({ file: z.string(), reason: z.string() })).meta({
      description:
        "The files that could not be read or were cut off, with the reason; a re-run reads a failed one again, a changed one too",
    }),
    fileList: z.array(LoadedFileSchema),
  })
  .meta({ id: "ViewsCoverage" });
export type ViewsCoverage = z.infer<typeof ViewsCoverageSchema>;

/**
 * A GMT-3 day of purchases as its newest sync left it: all counts 0 when the orders database held no
 * order items for the day ("synced, nothing there"); a day never synced is absent.
 */
const PurchaseSyncSchema = z
  .object({
    day: day("The GMT-3 day of the orders"),
    orderItems: count("Order items synced (one purchase each)"),
    unmapped: count("Items whose device_type maps to no platform: not counted"),
    excluded: count("Items of an order status configured not to count"),
    syncedAt: isoTime("When the day was synced (UTC)"),
  })
  .meta({ id: "PurchaseSync" });

/** A (platform, day) a run listed without event files, and that has no loaded file since. */
const EmptyDaySchema = z
  .object({
    platform: z.enum(PLATFORMS),
    day: day("The folder's day (UTC)"),
    listedAt: isoTime("When a run first listed the day without event files (UTC)"),
  })
  .meta({ id: "EmptyDay" });
export type EmptyDay = z.infer<typeof EmptyDaySchema>;

export const CoverageSchema = z
  .object({
    views: z.array(ViewsCoverageSchema).meta({ description: "Loaded platform-days of views, by day and platform" }),
    purchases: z.array(PurchaseSyncSchema).meta({
      description: "Synced days of purchases, by day; all counts 0: synced, and the day had no order items",
    }),
    emptyDays: z.array(EmptyDaySchema).meta({
      description:
        "Platform-days a run listed and found no event files for (no folder, or an empty one), by day and platform; a day no run covered is in neither list",
    }),
  })
  .meta({ id: "Coverage" });
export type Coverage = z.infer<typeof CoverageSchema>;
