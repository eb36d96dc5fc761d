import type { ClickHouseClient } from "@clickhouse/client";
import { z } from "zod";
import { PLATFORMS, type Platform } from "../../platform.ts";
import { queryRows } from "../query.ts";

/** The manifest of loaded source files, one partition per (day, platform), replaced with the views (migration 0001). */
export const INGESTED_FILES_TABLE = "ingested_files_v1";

/**
 * The columns a file's manifest JSON carries into ingested_files_v1, as a ClickHouse structure
 * for reading the manifests with `file()`/`s3()` (JSONEachRow; other keys are skipped).
 */
export const INGESTED_FILE_MANIFEST_STRUCTURE =
  "file String, size UInt64, etag String, batches UInt64, events UInt64, views UInt64, ignored UInt64, malformed UInt64, status String, reason String";

/**
 * What became of a source file: `loaded` (its views are in the sink and committed with its day), or
 * `failed` (it could not be read at all: bad or truncated gzip, a missing or unreadable object; it has
 * no Parquet, the rest of its day is committed, and the day is partial until a re-run reads it).
 */
export const FILE_STATUSES = ["loaded", "failed"] as const;
export type FileStatus = (typeof FILE_STATUSES)[number];

/**
 * True for a file its day is partial without: one that `failed`, and one `loaded` with a reason,
 * whose whole batches are in but whose end is cut off (a writer stopped mid-file).
 */
export function isIncompleteFile(file: { status: string; reason: string }): boolean {
  return file.status === "failed" || file.reason !== "";
}

/**
 * The columns a file's manifest carries into ingested_files_v1 (INGESTED_FILE_MANIFEST_STRUCTURE),
 * with the counts read by `count`: the manifest JSON has plain numbers, ClickHouse rows quoted ones.
 */
function manifestColumns<Count extends z.ZodType<number>>(count: Count) {
  return {
    /** The source key, e.g. `iOS/2016-02-01/part-1.json.gz`. */
    file: z.string(),
    size: count,
    etag: z.string(),
    batches: count,
    events: count,
    views: count,
    ignored: count,
    malformed: count,
    // Manifests written before migration 0002 have no status: they were loaded.
    status: z.enum(FILE_STATUSES).default("loaded"),
    /** Why a failed file could not be read, or why a loaded one is incomplete (`truncated: ...`); else empty. */
    reason: z.string().default(""),
  };
}

/**
 * What processing one source file found, stored as `manifest/.../<fileId>.json` (one JSON line, so
 * ClickHouse reads it as JSONEachRow in the commit) and returned to the caller.
 */
export const FileManifestSchema = z.object({
  ...manifestColumns(z.number().int().nonnegative()),
  /** The first malformed records, with their position in the file. */
  malformed_locations: z.array(z.object({ file: z.string(), position: z.string(), reason: z.string() })),
});
export type FileManifest = z.infer<typeof FileManifestSchema>;

/**
 * What a set of loaded source files adds up to: the files, their bytes, and the manifests' event
 * counts summed (a backfill's summary, a job's counts, a platform-day's coverage).
 */
export interface SourceFileTotals {
  files: number;
  bytes: number;
  events: number;
  views: number;
  ignored: number;
  malformed: number;
}

/**
 * One row of ingested_files_v1. Counts arrive quoted (output_format_json_quote_64bit_integers=1)
 * and are read as numbers: per-file counts stay far below 2^53. `loaded_at` is UTC
 * `YYYY-MM-DD HH:MM:SS.mmm`.
 */
export const IngestedFileSchema = z.object({
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  platform: z.enum(PLATFORMS),
  ...manifestColumns(z.coerce.number().int().nonnegative()),
  loaded_at: z.string(),
});
export type IngestedFile = z.infer<typeof IngestedFileSchema>;

/**
 * The manifest rows (loaded and failed files) of the source days `from`..`to` (both included), of
 * one platform or all, by day, platform and file.
 */
export function getIngestedFiles(
  client: ClickHouseClient,
  { from, to, platform }: { from: string; to: string; platform?: Platform },
): Promise<IngestedFile[]> {
  return queryRows(client, {
    name: "get_ingested_files",
    query: `SELECT day, platform, file, size, etag, batches, events, views, ignored, malformed, status, reason, loaded_at
            FROM ${INGESTED_FILES_TABLE}
            WHERE day BETWEEN {from:Date} AND {to:Date}${platform ? " AND platform = {platform:String}" : ""}
            ORDER BY day, platform, file`,
    params: { from, to, ...(platform ? { platform } : {}) },
    schema: IngestedFileSchema,
  });
}
