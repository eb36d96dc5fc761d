import type { FileManifest, Platform, SourceFile } from "@ctr/schemas";
import type { Folder } from "../source/folder.ts";
import type { UnreadableFileError } from "./process_file.ts";
import { fileIdOf, outputKey } from "./sink_layout.ts";

/**
 * Records a source file that cannot be read at all: a manifest with status `failed`, the reason and
 * the file's size and etag (so a fixed file is seen as changed), no counts, and no Parquet. Parquet
 * of an earlier, readable version of the file stays until its day's commit passes its guard (and is
 * then pruned): the commit never reads the Parquet of a failed file, and a refused day keeps it.
 */
export async function recordFailedFile(
  sink: Folder,
  { platform, day }: { platform: Platform; day: string },
  file: SourceFile,
  error: UnreadableFileError,
): Promise<FileManifest> {
  const manifest: FileManifest = {
    file: file.key,
    size: file.size,
    etag: file.etag,
    batches: 0,
    events: 0,
    views: 0,
    ignored: 0,
    malformed: 0,
    status: "failed",
    reason: error.reason,
    malformed_locations: [],
  };
  await sink.putText(outputKey("manifest", platform, day, fileIdOf(file.key)), `${JSON.stringify(manifest)}\n`);
  return manifest;
}
