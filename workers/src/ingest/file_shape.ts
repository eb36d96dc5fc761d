import { createReadStream } from "node:fs";
import { createGunzip } from "node:zlib";

/**
 * How an event file holds its batches. The values are DuckDB's `read_json` formats:
 * `array` is one JSON array of batches, `newline_delimited` one batch per line, and
 * `unstructured` one (pretty-printed) batch object.
 */
export type FileShape = "array" | "newline_delimited" | "unstructured";

/** How much of a file's head the sniffer reads (decompressed). */
const HEAD_BYTES = 64 * 1024;

/** True when the name ends in `.gz`: the contract marks compression by extension. */
export function isGzipped(name: string): boolean {
  return name.toLowerCase().endsWith(".gz");
}

/** The first bytes of a file's content; `complete` when they are the whole content. */
export interface FileHead {
  text: string;
  complete: boolean;
}

/** Reads up to HEAD_BYTES of a file's content, decompressing a gzipped one. */
export async function readHead(file: string, gzipped: boolean): Promise<FileHead> {
  const raw = createReadStream(file, gzipped ? {} : { end: HEAD_BYTES });
  const stream = gzipped ? raw.pipe(createGunzip()) : raw;
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of stream) {
      chunks.push(chunk as Buffer);
      length += (chunk as Buffer).length;
      if (length > HEAD_BYTES) break;
    }
  } finally {
    raw.destroy();
    stream.destroy();
  }
  const bytes = Buffer.concat(chunks);
  return { text: bytes.subarray(0, HEAD_BYTES).toString("utf8"), complete: bytes.length <= HEAD_BYTES };
}

function isCompleteJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Tells the shape from a file's first bytes: `[` starts an array; a first (or, when the first is
 * broken, second) line that is one complete JSON value means NDJSON; anything else is one
 * pretty-printed object, whose inner lines are never complete values on their own.
 * `unstructured` also reads NDJSON, so a first line longer than the head is still read right.
 */
export function sniffShape(head: FileHead): FileShape {
  const text = head.text.replace(/^\uFEFF/, "").trimStart();
  if (text.startsWith("[")) return "array";
  const lines = text.split("\n");
  // A line is judged only when the head holds all of it: followed by a newline, or the file ends.
  const whole = lines.slice(0, 2).filter((_, i) => i < lines.length - 1 || head.complete);
  return whole.some((line) => line.trim() !== "" && isCompleteJson(line)) ? "newline_delimited" : "unstructured";
}
