import { rm } from "node:fs/promises";
import path from "node:path";
import type { FileManifest, Platform, SourceFile, ViewTimeWindow } from "@ctr/schemas";
import { type Folder, FolderReadError } from "../source/folder.ts";
import { type LocatedRecords, writeCleanCopy } from "./clean_copy.ts";
import type { ScanCounter } from "./engine_counts.ts";
import { isGzipped, readHead, sniffShape } from "./file_shape.ts";
import {
  type ConvertTarget,
  convertCleanCopy,
  convertSourceFile,
  isFlagged,
  isInputError,
  maxObjectBytes,
  type NativeCounts,
} from "./native_convert.ts";
import { fileIdOf, outputKey } from "./sink_layout.ts";

/** A source file that cannot be read at all (missing, bad gzip): retrying will not help. */
export class UnreadableFileError extends Error {
  constructor(
    readonly file: string,
    /** What is wrong with the file, without its name: what the manifest and the summary record. */
    readonly reason: string,
    options?: { cause: unknown },
  ) {
    super(`${file}: ${reason}`, options);
    this.name = "UnreadableFileError";
  }
}

/** What one file's processing needs around it. */
export interface FileContext {
  source: Folder;
  sink: Folder;
  /** A connection of the shard's engine, its conversions counted. */
  counter: ScanCounter;
  platform: Platform;
  day: string;
  /** The times a view of this day's folder may have (viewTimeWindow(day)). */
  window: ViewTimeWindow;
  /** A private scratch folder of this shard. */
  workDir: string;
  /** The engine's memory limit, which bounds the largest JSON value it reads. */
  memoryLimitMb: number;
}

/** zlib reports corrupt or truncated gzip data with `Z_*` error codes. */
const isZlibError = (error: unknown) =>
  error instanceof Error && ((error as NodeJS.ErrnoException).code ?? "").startsWith("Z_");

/**
 * The fast path reads the file natively. Only when the engine rejects it, or stops at a batch or
 * view the contract calls malformed, is it streamed through the JS locator into a clean NDJSON
 * copy that the engine reads instead: good files never pay for validation in JS. The copy keeps
 * the batches of refused views, so the engine reads those views again and leaves them out of the
 * views Parquet by the same window.
 */
async function convertChecked(
  context: FileContext,
  file: SourceFile,
  local: string,
  target: ConvertTarget,
  scratch: string,
): Promise<{ counts: NativeCounts; located?: LocatedRecords }> {
  const gzipped = isGzipped(file.key);
  let shape: ReturnType<typeof sniffShape>;
  try {
    shape = sniffShape(await readHead(local, gzipped));
  } catch (cause) {
    const what = isZlibError(cause) ? "bad gzip data" : "cannot be read";
    throw new UnreadableFileError(file.key, `${what}: ${(cause as Error).message}`, { cause });
  }
  let engineError: string | undefined;
  const maxObject = maxObjectBytes(shape, context.memoryLimitMb);
  try {
    return {
      counts: await convertSourceFile(context.counter, { path: local, shape, maxObjectBytes: maxObject }, target),
    };
  } catch (error) {
    // Only bad input goes to the locator; running out of memory or disk is no malformed record.
    if (!isInputError(error)) throw error;
    // The engine's own refusal says why the file cannot be read as batches; a flag only says where to look.
    if (!isFlagged(error)) engineError = (error as Error).message.split("\n")[0];
    if (engineError?.includes("maximum_object_size")) {
      // Not a malformed record: a JSON value too large to hold, which no retry will change.
      throw new UnreadableFileError(
        file.key,
        `holds a JSON value over ${maxObject / 1024 / 1024} MB, too large to read; write large files as NDJSON or a JSON array of batches`,
        { cause: error },
      );
    }
  }
  const cleanPath = `${scratch}.clean.ndjson`;
  try {
    const located = await writeCleanCopy(
      { path: local, shape, gzipped, sourceKey: file.key, window: context.window, engineError },
      cleanPath,
    );
    // A batch keeps its size on its own line: the copy is read with the source shape's limit.
    const clean = { path: cleanPath, shape: "newline_delimited" as const, maxObjectBytes: maxObject };
    return { counts: await convertCleanCopy(context.counter, clean, target), located };
  } catch (cause) {
    if (isZlibError(cause))
      throw new UnreadableFileError(file.key, `bad gzip data: ${(cause as Error).message}`, { cause });
    throw cause;
  } finally {
    await rm(cleanPath, { force: true });
  }
}

/**
 * Converts one source file into its sink outputs: the views Parquet and the manifest, each
 * published in one step and the manifest last, so a manifest means complete outputs. Re-processing
 * writes the same keys (the file id is a hash of the source key). The commit counts the views per
 * minute from the views Parquet.
 */
export async function processFile(context: FileContext, file: SourceFile, ordinal: number): Promise<FileManifest> {
  const copy = await context.source.localCopy(file.key, context.workDir).catch((cause: unknown) => {
    // Missing or forbidden is the file's own fault; a dropped connection is not: that retries.
    if (!(cause instanceof FolderReadError && cause.permanent)) throw cause;
    const why = cause.cause instanceof Error ? `: ${cause.cause.message}` : "";
    throw new UnreadableFileError(file.key, `cannot be read from ${context.source.description}${why}`, { cause });
  });
  const fileId = fileIdOf(file.key);
  const scratch = path.join(context.workDir, `${ordinal}-${fileId}`);
  const target: ConvertTarget = {
    platform: context.platform,
    sourceFile: file.key,
    window: context.window,
    eventsParquet: `${scratch}.events.parquet`,
  };
  try {
    const { counts, located } = await convertChecked(context, file, copy.path, target, scratch);
    // A malformed batch counts as a batch, its events as nothing; a refused view counts as
    // malformed, not as an event. So events = views + ignored, whatever was refused. The engine's
    // count of refused views is the one that decided what was stored.
    const events = counts.events - counts.outside;
    const malformedBatches = located?.malformedBatches ?? 0;
    const manifest: FileManifest = {
      file: file.key,
      size: file.size,
      etag: file.etag,
      batches: counts.batches + malformedBatches,
      events,
      views: counts.views,
      ignored: events - counts.views,
      malformed: malformedBatches + counts.outside,
      status: "loaded",
      reason: "",
      malformed_locations: located?.locations ?? [],
    };
    const { platform, day } = context;
    await context.sink.put(outputKey("events", platform, day, fileId), target.eventsParquet);
    await context.sink.putText(outputKey("manifest", platform, day, fileId), `${JSON.stringify(manifest)}\n`);
    return manifest;
  } finally {
    await Promise.all([
      rm(target.eventsParquet, { force: true }),
      copy.temporary ? rm(copy.path, { force: true }) : Promise.resolve(),
    ]);
  }
}
