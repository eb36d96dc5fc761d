import type { ClickHouseClient } from "@clickhouse/client";
import { z } from "zod";
import { PLATFORMS } from "../../platform.ts";
import { queryRows } from "../query.ts";

/** The manifest of loaded source files, one partition per (day, platform), replaced with the views (migration 0001). */
export const INGESTED_FILES_TABLE = "ingested_files_v1";

/**
 * The columns a file's manifest JSON carries into ingested_files_v1, as a ClickHouse structure
 * for reading the manifests with `file()`/`s3()` (JSONEachRow; other keys are skipped).
 */
export const INGESTED_FILE_MANIFEST_STRUCTURE =
  "file String, size UInt64, etag String, batches UInt64, events UInt64, views UInt64, ignored UInt64, malformed UInt64";

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

/** The loaded files of the source days `from`..`to` (both included), by day, platform and file. */
export function getIngestedFiles(
  client: ClickHouseClient,
  { from, to }: { from: string; to: string },
): Promise<IngestedFile[]> {
  return queryRows(client, {
    name: "get_ingested_files",
    query: `SELECT day, platform, file, size, etag, batches, events, views, ignored, malformed, loaded_at
            FROM ${INGESTED_FILES_TABLE}
            WHERE day BETWEEN {from:Date} AND {to:Date}
            ORDER BY day, platform, file`,
    params: { from, to },
    schema: IngestedFileSchema,
  });
}
