import type { Readable } from "node:stream";

/** One line of text, or the fact of a line too long to hold. Lines are numbered from 1. */
export type BoundedLine = { line: number; text: string } | { line: number; tooLongBytes: number };

/**
 * Splits text into lines (`\n`, a `\r` before it dropped) while streaming, as readline does, but
 * never holds a line over `maxBytes` of UTF-8: such a line is passed over, counted in bytes, and
 * reported as too long. A line of hundreds of MB then costs no more memory than a short one.
 */
export async function* boundedLines(text: Readable, maxBytes: number): AsyncGenerator<BoundedLine> {
  let line = 0;
  let parts: string[] = [];
  let bytes = 0;
  const end = (): BoundedLine => {
    line++;
    const whole = parts.join("");
    parts = [];
    const measured = bytes;
    bytes = 0;
    if (measured > maxBytes) return { line, tooLongBytes: measured };
    return { line, text: whole.endsWith("\r") ? whole.slice(0, -1) : whole };
  };
  const add = (piece: string) => {
    bytes += Buffer.byteLength(piece);
    // Past the limit the text is of no use: only its length goes on being counted.
    if (bytes > maxBytes) parts = [];
    else parts.push(piece);
  };
  for await (const chunk of text) {
    const str = chunk as string;
    let from = 0;
    for (let at = str.indexOf("\n"); at !== -1; at = str.indexOf("\n", from)) {
      add(str.slice(from, at));
      yield end();
      from = at + 1;
    }
    if (from < str.length) add(str.slice(from));
  }
  if (bytes > 0 || parts.length > 0) yield end();
}
