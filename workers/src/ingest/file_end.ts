import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { createGunzip } from "node:zlib";
import type { FileShape } from "./file_shape.ts";

/** How a file ends, as far as the engine's reader cannot tell. */
export interface FileEnd {
  /**
   * Why the gzip data is bad (a stream cut before its end, a wrong checksum), or undefined. The
   * engine's reader takes a gzip stream that stops early for the whole file.
   */
  gzipError?: Error;
  /**
   * True when a JSON array's text does not end with its closing bracket: the engine's reader takes
   * `[{...},{...},` (what a writer that stopped after a comma leaves) for a complete array.
   */
  unclosedArray: boolean;
}

const CHUNK_BYTES = 1024 * 1024;

/** How much of a file's end is kept to find its last character. */
const TAIL_BYTES = 64 * 1024;

/** The last character that is not JSON whitespace, or "" when there is none in `text`. */
function lastCharacter(text: string): string {
  return /([^\s])\s*$/.exec(text)?.[1] ?? "";
}

/** The end of a plain file's text: one read of its last TAIL_BYTES. */
async function plainTail(file: string): Promise<string> {
  const handle = await open(file, "r");
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, TAIL_BYTES);
    const { buffer } = await handle.read({ buffer: Buffer.alloc(length), position: size - length });
    return buffer.toString("latin1");
  } finally {
    await handle.close();
  }
}

/**
 * How many gzipped files a process inflates at once: a group prepares up to 64 files together, and
 * each inflation in flight holds a few MB of buffers; more than the cores gain nothing.
 */
const GZIP_CHECKS_AT_ONCE = Math.max(1, availableParallelism());
let running = 0;
const waiting: (() => void)[] = [];

/** Runs `work` when fewer than GZIP_CHECKS_AT_ONCE others run. */
async function gated<T>(work: () => Promise<T>): Promise<T> {
  // A finished check hands its slot to the next waiting one, so no newcomer slips in between.
  if (running >= GZIP_CHECKS_AT_ONCE) await new Promise<void>((resolve) => waiting.push(resolve));
  else running++;
  try {
    return await work();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

/**
 * Decompresses a gzipped file to its end, keeping only the last bytes: zlib checks that the stream
 * is complete and its checksum right, which the engine's reader does not. It runs in zlib's threads,
 * beside the engine's statement on the same file.
 */
async function gzipTail(file: string): Promise<string> {
  // Large chunks: the cost is zlib's, not one JS callback per 16 KB (measured: a third of the CPU).
  const raw = createReadStream(file, { highWaterMark: CHUNK_BYTES });
  const stream = raw.pipe(createGunzip({ chunkSize: CHUNK_BYTES }));
  raw.on("error", (error) => stream.destroy(error));
  let tail: Buffer = Buffer.alloc(0);
  for await (const chunk of stream) {
    const bytes = chunk as Buffer;
    tail = bytes.length >= TAIL_BYTES ? bytes : Buffer.concat([tail, bytes]).subarray(-TAIL_BYTES);
  }
  return tail.toString("latin1");
}

/**
 * Checks what the engine's reader lets pass at a file's end: a gzip stream cut short, and a JSON
 * array without its closing bracket. Plain files that are no array need nothing; a plain array costs
 * one small read. Never rejects: a read error is the gzip error, or leaves the array to the locator.
 */
export async function checkFileEnd(file: string, shape: FileShape, gzipped: boolean): Promise<FileEnd> {
  if (!gzipped && shape !== "array") return { unclosedArray: false };
  try {
    const tail = gzipped ? await gated(() => gzipTail(file)) : await plainTail(file);
    return { unclosedArray: shape === "array" && lastCharacter(tail) !== "]" };
  } catch (error) {
    const cause = error instanceof Error ? error : new Error(String(error));
    return gzipped ? { gzipError: cause, unclosedArray: false } : { unclosedArray: true };
  }
}
