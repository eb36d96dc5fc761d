import { mkdir, mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import { type FileManifest, type Platform, type SourceFile, viewTimeWindow } from "@ctr/schemas";
import type { Folder } from "../source/folder.ts";
import { type EngineSettings, openEngine } from "./engine.ts";
import { recordFailedFile } from "./failed_file.ts";
import { processFile, UnreadableFileError } from "./process_file.ts";

/** Progress of a shard after each file: totals so far. */
export interface ShardProgress {
  files: number;
  bytes: number;
  views: number;
}

/** A shard: some of one (platform, day)'s files. */
export interface Shard {
  platform: Platform;
  day: string;
  files: SourceFile[];
}

/** What a shard produced: one manifest per file (loaded or failed), in the shard's order. */
export interface ShardResult {
  platform: Platform;
  day: string;
  files: FileManifest[];
}

/**
 * Converts a shard's files one after the other in a private DuckDB (its memory bounded by
 * `engine`), publishing each file's outputs to the sink as soon as it is done. A file that cannot be
 * read at all is recorded as failed (`recordFailedFile`) and the shard goes on with the next.
 */
export async function processShard(
  shard: Shard,
  deps: { source: Folder; sink: Folder; engine: EngineSettings },
  onProgress?: (progress: ShardProgress) => void,
): Promise<ShardResult> {
  await mkdir(deps.engine.tempDir, { recursive: true });
  const window = viewTimeWindow(shard.day);
  const workDir = await mkdtemp(path.join(deps.engine.tempDir, "shard-"));
  const instance = await openEngine({ ...deps.engine, tempDir: path.join(workDir, "spill") });
  const connections = [await instance.connect(), await instance.connect()] as const;
  const progress: ShardProgress = { files: 0, bytes: 0, views: 0 };
  const files: FileManifest[] = [];
  try {
    for (const [i, file] of shard.files.entries()) {
      const manifest = await processFile(
        {
          ...deps,
          connections,
          platform: shard.platform,
          day: shard.day,
          window,
          workDir,
          memoryLimitMb: deps.engine.memoryLimitMb,
        },
        file,
        i,
      ).catch((error: unknown) => {
        // A file that cannot be read costs only itself: recorded as failed, the shard goes on.
        if (!(error instanceof UnreadableFileError)) throw error;
        return recordFailedFile(deps.sink, shard, file, error);
      });
      files.push(manifest);
      progress.files++;
      progress.bytes += file.size;
      progress.views += manifest.views;
      onProgress?.({ ...progress });
    }
    return { platform: shard.platform, day: shard.day, files };
  } finally {
    for (const connection of connections) connection.closeSync();
    instance.closeSync();
    await rm(workDir, { recursive: true, force: true });
  }
}
