import type { Platform } from "@ctr/schemas";
import { fileIdInKey, fileIdOf, type OutputKind, outputDir } from "../ingest/sink_layout.ts";
import { type Folder, listAll } from "../source/folder.ts";

const KINDS: readonly OutputKind[] = ["manifest", "minute_counts", "events"];

/**
 * Deletes the sink outputs of a (platform, day) whose source file is gone from the listing, so
 * the next commit no longer counts it, and the Parquet left by an earlier version of a file that now
 * fails (`failedKeys`: its failed manifest stays). Returns how many outputs were deleted.
 */
export async function pruneStaleOutputs(
  sink: Folder,
  {
    platform,
    day,
    sourceKeys,
    failedKeys = [],
  }: { platform: Platform; day: string; sourceKeys: readonly string[]; failedKeys?: readonly string[] },
): Promise<number> {
  const keep = new Set(sourceKeys.map(fileIdOf));
  const failed = new Set(failedKeys.map(fileIdOf));
  const stale: string[] = [];
  for (const kind of KINDS) {
    for (const object of await listAll(sink, outputDir(kind, platform, day))) {
      const id = fileIdInKey(object.key);
      if (id === undefined) continue;
      if (!keep.has(id) || (kind !== "manifest" && failed.has(id))) stale.push(object.key);
    }
  }
  await sink.delete(stale);
  return stale.length;
}
