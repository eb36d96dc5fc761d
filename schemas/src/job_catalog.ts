import { z } from "zod";
import { PLATFORMS } from "./platform.ts";

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a day as YYYY-MM-DD");
const platform = z.enum(PLATFORMS);

/**
 * `allowEmpty`: the user's explicit consent to replace loaded data with less. Without it a commit
 * refuses a (platform, day) whose listing is empty or lacks files that were loaded, and a purchase
 * sync refuses a day that returns no order items where an earlier sync had some. Default false.
 */
const allowEmpty = z.boolean().optional();

/** One source file as discovered: its key under the source, size and change marker. */
export const SourceFileSchema = z.object({
  /** Path relative to the source root, e.g. `iOS/2016-02-01/part-0001.json.gz`. */
  key: z.string().min(1),
  size: z.number().int().nonnegative(),
  /** S3 ETag, or the mtime in ms of a local file: what tells a changed file from an unchanged one. */
  etag: z.string(),
  /**
   * Set for a folder of the day the source could not list (no permission, an I/O error), keyed
   * `<platform>/<day>/<folder>/`: why. Its processing records it as failed, so the day is partial.
   */
  unreadable: z.string().optional(),
});
export type SourceFile = z.infer<typeof SourceFileSchema>;

/** Each job the engine runs, with its payload schema and retry policy. Workers parse `job.data` through it. */
export const JOB_CATALOG = {
  /** Converts a group of one (platform, day)'s files into Parquet: views and per-minute counts. */
  "ingest-shard": {
    schema: z.object({
      source: z.string().min(1),
      platform,
      day,
      files: z.array(SourceFileSchema).min(1),
    }),
    attempts: 5,
    backoff: { type: "exponential", delay: 2_000, jitter: 0.5 },
  },
  /** Loads a (platform, day)'s per-minute Parquet into ClickHouse, replacing its partition. */
  "commit-day": {
    schema: z.object({
      platform,
      day,
      /**
       * The day folder's event files when the commit was planned (queued commits carry them): outputs
       * of files no longer in the folder are pruned before the commit. Required on the queue; the
       * in-process executor passes the keys itself.
       */
      files: z.array(SourceFileSchema).optional(),
      allowEmpty,
    }),
    attempts: 5,
    backoff: { type: "exponential", delay: 1_000, jitter: 0.5 },
  },
  /** Replaces a GMT-3 day's per-minute purchases with what the orders database holds. */
  "sync-purchases": {
    schema: z.object({ day, allowEmpty }),
    attempts: 5,
    backoff: { type: "exponential", delay: 2_000, jitter: 0.5 },
  },
  /**
   * The incremental run (`ctr daily`, or its cron schedule): plans the day plus every day whose files
   * are new or changed against the manifest, and submits that as a backfill flow. Default day: the
   * UTC day before the job's run.
   */
  daily: {
    schema: z.object({ date: day.optional(), allowEmpty }),
    attempts: 3,
    backoff: { type: "exponential", delay: 10_000, jitter: 0.5 },
  },
  /** The parent of a backfill's flow: its children are the shards, commits and purchase syncs. */
  backfill: {
    schema: z.object({
      from: day,
      to: day,
      platforms: z.array(platform).min(1),
      /** A folder or s3://bucket/prefix. Default: EVENTS_SOURCE of the process that plans it. */
      source: z.string().min(1).optional(),
      allowEmpty,
      /** The plan's totals, filled in by the coordinator, for progress while the flow runs. */
      totalFiles: z.number().int().nonnegative().optional(),
      totalBytes: z.number().int().nonnegative().optional(),
      skippedObjects: z.number().int().nonnegative().optional(),
    }),
    attempts: 1,
    backoff: { type: "fixed", delay: 0, jitter: 0 },
  },
} as const;

export type JobName = keyof typeof JOB_CATALOG;
export type JobPayload<Name extends JobName> = z.infer<(typeof JOB_CATALOG)[Name]["schema"]>;

/** Parses a job's data through the catalog; a payload that does not fit is a permanent failure. */
export function parseJobPayload<Name extends JobName>(name: Name, data: unknown): JobPayload<Name> {
  return JOB_CATALOG[name].schema.parse(data) as JobPayload<Name>;
}
