import { rm } from "node:fs/promises";
import path from "node:path";
import { type FileManifest, type Platform, type SourceFile, viewTimeWindow } from "@ctr/schemas";
import type { Folder } from "../source/folder.ts";
import { type EngineSettings, openEngine } from "./engine.ts";
import { ScanCounter } from "./engine_counts.ts";
import { recordFailedFile } from "./failed_file.ts";
import { isGzipped } from "./file_shape.ts";
import { processFiles, UnreadableFileError } from "./process_file.ts";
import { createShardDir, removeStaleShardDirs } from "./shard_dirs.ts";

/**
 * Which files a lane converts together in one engine pass (processFiles) rather than one
 * statement each: consecutive files of at most `maxFileBytes` of JSON, up to `maxFiles` of them and
 * `maxGroupBytes` of JSON (a gzipped file counted at GZIP_EXPANSION times its size), so a group's
 * parsed batches stay well inside the engine's memory. A gzipped file of 1 MB holds several MB of
 * JSON: in a group (through its temporary table) it cost more CPU than alone (docs/BENCHMARKS.md §1),
 * so it goes alone. On the real sample cut into 256 files of
 * 240 KB, one pass per 32 files took a third of the time of a statement per file
 * (docs/BENCHMARKS.md, "Decisions measured once"); from a few MB up a file's own statement costs little.
 */
export interface FileGrouping {
  maxFileBytes: number;
  maxGroupBytes: number;
  maxFiles: number;
}

const MB = 1024 * 1024;
export const FILE_GROUPING: FileGrouping = { maxFileBytes: 4 * MB, maxGroupBytes: 32 * MB, maxFiles: 64 };
/** What a gzipped file's JSON is taken to weigh against its size, for a group's budget. */
const GZIP_EXPANSION = 8;

/**
 * The files of a shard, in its order, cut into the runs a lane converts at once (indices). A group
 * holds at most a `lanes`-th of the files, so that every lane has work.
 */
export function groupFiles(
  files: readonly SourceFile[],
  lanes: number,
  grouping: FileGrouping = FILE_GROUPING,
): number[][] {
  const maxFiles = Math.min(grouping.maxFiles, Math.ceil(files.length / Math.max(1, lanes)));
  const weight = (file: SourceFile) => (isGzipped(file.key) ? GZIP_EXPANSION : 1) * file.size;
  const runs: number[][] = [];
  let run: number[] = [];
  let bytes = 0;
  for (const [i, file] of files.entries()) {
    const small = weight(file) <= grouping.maxFileBytes;
    if (run.length > 0 && (!small || run.length >= maxFiles || bytes + weight(file) > grouping.maxGroupBytes)) {
      runs.push(run);
      run = [];
      bytes = 0;
    }
    if (!small) {
      runs.push([i]);
      continue;
    }
    run.push(i);
    bytes += weight(file);
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

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
 * Converts a shard's files in a private DuckDB (its memory bounded by `engine`), publishing each
 * file's outputs to the sink as soon as it is done. The shard's `engine.threads` cores go to files
 * converted side by side, one single-threaded statement each: that costs no more CPU than one
 * statement over many files, and a second thread on one file buys little (measured on one file: a
 * JSON array 11% slower with 2.8× the memory, NDJSON 16% faster with 1.6× the memory). Small files
 * go in groups, one engine pass each (groupFiles, processFiles). A file that cannot be read at
 * all is recorded as failed (`recordFailedFile`) and the shard goes on with the next.
 */
export async function processShard(
  shard: Shard,
  deps: { source: Folder; sink: Folder; engine: EngineSettings; grouping?: FileGrouping },
  onProgress?: (progress: ShardProgress) => void,
): Promise<ShardResult> {
  // What a killed run left there would otherwise stay for good: no live process owns it.
  await removeStaleShardDirs(deps.engine.tempDir);
  const window = viewTimeWindow(shard.day);
  const workDir = await createShardDir(deps.engine.tempDir);
  const runs = groupFiles(shard.files, deps.engine.threads, deps.grouping);
  const lanes = Math.max(1, Math.min(runs.length, deps.engine.threads));
  const instance = await openEngine({ ...deps.engine, threads: 1, tempDir: path.join(workDir, "spill") });
  const progress: ShardProgress = { files: 0, bytes: 0, views: 0 };
  const files: FileManifest[] = new Array(shard.files.length);
  let next = 0;
  let failed = false;
  const runLane = async (lane: number) => {
    const connection = await instance.connect();
    try {
      const counter = await ScanCounter.attach(connection, path.join(workDir, `lane-${lane}.profile.json`));
      const context = {
        ...deps,
        counter,
        platform: shard.platform,
        day: shard.day,
        window,
        workDir,
        memoryLimitMb: deps.engine.memoryLimitMb,
      };
      while (!failed && next < runs.length) {
        const run = runs[next++] ?? [];
        const members = run.map((i) => ({ file: shard.files[i] as SourceFile, ordinal: i }));
        for (const [k, outcome] of (await processFiles(context, members)).entries()) {
          const { file, ordinal } = members[k] as (typeof members)[number];
          // A file that cannot be read costs only itself: recorded as failed, the shard goes on.
          files[ordinal] =
            outcome instanceof UnreadableFileError ? await recordFailedFile(deps.sink, shard, file, outcome) : outcome;
          progress.files++;
          progress.bytes += file.size;
          progress.views += files[ordinal]?.views ?? 0;
        }
        onProgress?.({ ...progress });
      }
    } catch (error) {
      // The other lanes finish the file they hold and take no more: the shard fails as a whole.
      failed = true;
      throw error;
    } finally {
      connection.closeSync();
    }
  };
  try {
    const done = await Promise.allSettled(Array.from({ length: lanes }, (_, lane) => runLane(lane)));
    const rejected = done.find((d): d is PromiseRejectedResult => d.status === "rejected");
    if (rejected) throw rejected.reason;
    return { platform: shard.platform, day: shard.day, files };
  } finally {
    instance.closeSync();
    await rm(workDir, { recursive: true, force: true });
  }
}
