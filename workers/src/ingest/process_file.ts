import { rm } from "node:fs/promises";
import path from "node:path";
import type { FileManifest, Platform, SourceFile, ViewTimeWindow } from "@ctr/schemas";
import { type Folder, FolderReadError } from "../source/folder.ts";
import { type LocatedRecords, writeCleanCopy } from "./clean_copy.ts";
import type { ScanCounter } from "./engine_counts.ts";
import { checkFileEnd, type FileEnd } from "./file_end.ts";
import { isGzipped, readHead, sniffShape } from "./file_shape.ts";
import {
  type ConvertInput,
  type ConvertTarget,
  convertCleanCopy,
  convertSourceFile,
  convertSourceGroup,
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
  { file, input, target, scratch, end }: PreparedFile,
): Promise<{ counts: NativeCounts; located?: LocatedRecords }> {
  const { path: local, shape, maxObjectBytes: maxObject } = input;
  const gzipped = isGzipped(file.key);
  const attempt = await convertSourceFile(context.counter, input, target).then(
    (counts) => ({ counts }),
    (error: unknown) => ({ error }),
  );
  const { gzipError, unclosedArray } = await end;
  if (gzipError) throw new UnreadableFileError(file.key, `bad gzip data: ${gzipError.message}`, { cause: gzipError });
  if ("counts" in attempt && !unclosedArray) return attempt;
  if ("error" in attempt) {
    const { error } = attempt;
    // Only bad input goes to the locator; running out of memory or disk is no malformed record.
    if (!isInputError(error)) throw error;
    if (!isFlagged(error) && shape === "unstructured" && (error as Error).message.includes("maximum_object_size")) {
      // The one object is the whole file: a JSON value too large to hold, which no retry will change.
      throw new UnreadableFileError(
        file.key,
        `holds one JSON object over ${maxObject / 1024 / 1024} MB, too large to read; write large files as NDJSON or a JSON array of batches`,
        { cause: error },
      );
    }
  }
  const cleanPath = `${scratch}.clean.ndjson`;
  try {
    const located = await writeCleanCopy(
      { path: local, shape, gzipped, sourceKey: file.key, window: context.window, maxBatchBytes: maxObject },
      cleanPath,
    );
    // A batch keeps its size on its own line: the copy is read with the source shape's limit.
    const clean = { path: cleanPath, shape: "newline_delimited" as const, maxObjectBytes: maxObject };
    const counts = await convertCleanCopy(context.counter, clean, target);
    if (counts.events !== located.keptEvents) {
      // The engine's reader dropped batches JSON.parse reads: never a silent loss.
      throw new UnreadableFileError(
        file.key,
        `the engine read ${counts.events} of the ${located.keptEvents} events of its readable batches; nothing of it was loaded`,
      );
    }
    return { counts, located };
  } catch (cause) {
    if (isZlibError(cause))
      throw new UnreadableFileError(file.key, `bad gzip data: ${(cause as Error).message}`, { cause });
    throw cause;
  } finally {
    await rm(cleanPath, { force: true });
  }
}

/** A source file ready to convert: its local copy, its shape, and where its outputs go first. */
interface PreparedFile {
  file: SourceFile;
  copy: { path: string; temporary: boolean };
  fileId: string;
  /** The prefix of this file's scratch files in the shard's work folder. */
  scratch: string;
  input: ConvertInput;
  target: ConvertTarget;
  /** What the engine's reader cannot tell of the file's end (checkFileEnd), checked beside the conversion. */
  end: Promise<FileEnd>;
}

/** Fetches a local copy of the file (none for a local source) and reads its shape from its head. */
async function prepareFile(context: FileContext, file: SourceFile, ordinal: number): Promise<PreparedFile> {
  if (file.unreadable !== undefined) throw new UnreadableFileError(file.key, file.unreadable);
  const copy = await context.source.localCopy(file.key, context.workDir).catch((cause: unknown) => {
    // Missing or forbidden is the file's own fault; a dropped connection is not: that retries.
    if (!(cause instanceof FolderReadError && cause.permanent)) throw cause;
    const why = cause.cause instanceof Error ? `: ${cause.cause.message}` : "";
    throw new UnreadableFileError(file.key, `cannot be read from ${context.source.description}${why}`, { cause });
  });
  const fileId = fileIdOf(file.key);
  const scratch = path.join(context.workDir, `${ordinal}-${fileId}`);
  const target: ConvertTarget = {
    window: context.window,
    eventsParquet: `${scratch}.events.parquet`,
  };
  try {
    const shape = sniffShape(await readHead(copy.path, isGzipped(file.key)));
    const input = { path: copy.path, shape, maxObjectBytes: maxObjectBytes(shape, context.memoryLimitMb) };
    const end = checkFileEnd(copy.path, shape, isGzipped(file.key));
    return { file, copy, fileId, scratch, input, target, end };
  } catch (cause) {
    if (copy.temporary) await rm(copy.path, { force: true });
    const what = isZlibError(cause) ? "bad gzip data" : "cannot be read";
    throw new UnreadableFileError(file.key, `${what}: ${(cause as Error).message}`, { cause });
  }
}

/**
 * Publishes a converted file's outputs to the sink: the views Parquet, then the manifest, each in
 * one step and the manifest last, so a manifest means complete outputs.
 */
async function publishFile(
  context: FileContext,
  { file, fileId, target }: PreparedFile,
  { counts, located }: { counts: NativeCounts; located?: LocatedRecords },
): Promise<FileManifest> {
  // A malformed batch counts as a batch, its events as nothing; a refused view counts as
  // malformed, not as an event. So events = views + ignored, whatever was refused. The engine's
  // count of refused views is the one that decided what was stored.
  const events = counts.events - counts.refused;
  const malformedBatches = located?.malformedBatches ?? 0;
  const manifest: FileManifest = {
    file: file.key,
    size: file.size,
    etag: file.etag,
    batches: counts.batches + malformedBatches,
    events,
    views: counts.views,
    ignored: events - counts.views,
    malformed: malformedBatches + counts.refused,
    status: "loaded",
    // A loaded file with a reason is partial: its whole batches are in, its cut-off end is not.
    reason: located?.truncated ?? "",
    malformed_locations: located?.locations ?? [],
  };
  const { platform, day } = context;
  await context.sink.put(outputKey("events", platform, day, fileId), target.eventsParquet);
  await context.sink.putText(outputKey("manifest", platform, day, fileId), `${JSON.stringify(manifest)}\n`);
  return manifest;
}

/** Removes what a prepared file left in the work folder: its views Parquet and its temporary copy. */
async function releaseFile({ copy, target }: PreparedFile): Promise<void> {
  await Promise.all([
    rm(target.eventsParquet, { force: true }),
    copy.temporary ? rm(copy.path, { force: true }) : Promise.resolve(),
  ]);
}

/** What processing a file gave: its manifest, or why it cannot be read at all. */
export type FileOutcome = FileManifest | UnreadableFileError;

/** A file that cannot be read costs only itself: its error becomes its outcome; other errors go on. */
async function orUnreadable<T>(work: () => Promise<T>): Promise<T | UnreadableFileError> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof UnreadableFileError)) throw error;
    return error;
  }
}

/**
 * Converts some of a shard's files into their sink outputs: each file's views Parquet and manifest
 * (publishFile). Re-processing writes the same keys (the file id is a hash of the source key); the
 * commit counts the views per minute from the views Parquet. Several files of one layout (shape,
 * gzip or not) go through one engine pass (convertSourceGroup); when that pass refuses something,
 * or a file is alone, each file is converted on its own (convertChecked), so only the files that
 * hold a malformed record go through the locator. The outcomes are in the files' order, a file
 * that cannot be read given as its error for the caller to record.
 */
export async function processFiles(
  context: FileContext,
  files: readonly { file: SourceFile; ordinal: number }[],
): Promise<FileOutcome[]> {
  const outcomes: (FileOutcome | undefined)[] = new Array(files.length);
  const prepared: { at: number; file: PreparedFile }[] = [];
  try {
    for (const [at, { file, ordinal }] of files.entries()) {
      const ready = await orUnreadable(() => prepareFile(context, file, ordinal));
      if (ready instanceof UnreadableFileError) outcomes[at] = ready;
      else prepared.push({ at, file: ready });
    }
    // One engine pass reads one layout, and gzip and plain text are told apart per pass.
    const byLayout = new Map<string, { at: number; file: PreparedFile }[]>();
    for (const entry of prepared) {
      const layout = `${entry.file.input.shape}${isGzipped(entry.file.file.key) ? ".gz" : ""}`;
      const group = byLayout.get(layout);
      if (group) group.push(entry);
      else byLayout.set(layout, [entry]);
    }
    for (const group of byLayout.values()) {
      const converted = await convertGroup(
        context,
        group.map(({ file }) => file),
      );
      for (const [j, { at, file }] of group.entries()) {
        // The group's pass cannot tell a cut gzip stream or an unclosed array: such a file goes alone.
        const whole = await file.end;
        const grouped = whole.gzipError || whole.unclosedArray ? undefined : converted[j];
        outcomes[at] = await orUnreadable(async () =>
          publishFile(context, file, grouped ?? (await convertChecked(context, file))),
        );
      }
    }
    return outcomes.map((outcome) => {
      if (outcome === undefined) throw new Error("a file of the group has no outcome");
      return outcome;
    });
  } finally {
    await Promise.all(prepared.map(({ file }) => releaseFile(file)));
  }
}

/**
 * The group's counts through one engine pass, or none when the pass refuses the input (or the group
 * is one file): each file then converts on its own.
 */
async function convertGroup(
  context: FileContext,
  files: readonly PreparedFile[],
): Promise<({ counts: NativeCounts } | undefined)[]> {
  const [first] = files;
  if (!first || files.length < 2) return [];
  try {
    const counts = await convertSourceGroup(context.counter.connection, files, `${first.scratch}.group`);
    return counts.map((c) => ({ counts: c }));
  } catch (error) {
    if (!isInputError(error)) throw error;
    return [];
  }
}
