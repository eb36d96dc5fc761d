import { z } from "zod";

const count = z.number().int().nonnegative();

/**
 * What processing one source file found, stored as `manifest/.../<fileId>.json` (one JSON line, so
 * ClickHouse reads it as JSONEachRow in the commit) and returned to the caller.
 */
export const FileManifestSchema = z.object({
  /** The source key, e.g. `iOS/2016-02-01/part-1.json.gz`. */
  file: z.string(),
  size: count,
  etag: z.string(),
  batches: count,
  events: count,
  views: count,
  ignored: count,
  malformed: count,
  /** The first malformed records, with their position in the file. */
  malformed_locations: z.array(z.object({ file: z.string(), position: z.string(), reason: z.string() })),
});
export type FileManifest = z.infer<typeof FileManifestSchema>;
