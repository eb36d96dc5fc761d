import type { Readable } from "node:stream";

/**
 * A piece of text (a line, a batch); for one too long to hold, its size in `tooLongBytes` and an
 * empty `text`.
 */
export interface BoundedPiece {
  text: string;
  tooLongBytes?: number;
}

/**
 * Gathers the text of one line or batch while streaming, but never holds more than `maxBytes` of
 * UTF-8: past that, the text is dropped and only its size goes on being counted. A batch of
 * hundreds of MB then costs no more memory than a short one.
 */
export class BoundedText {
  private parts: string[] = [];
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  add(piece: string): void {
    if (piece === "") return;
    this.bytes += Buffer.byteLength(piece);
    if (this.bytes > this.maxBytes) this.parts = [];
    else this.parts.push(piece);
  }

  /** What was gathered, and starts again. */
  take(): BoundedPiece {
    const bytes = this.bytes;
    const text = this.parts.join("");
    this.parts = [];
    this.bytes = 0;
    return bytes > this.maxBytes ? { text: "", tooLongBytes: bytes } : { text };
  }
}

/** One line of text, or the fact of a line too long to hold. Lines are numbered from 1. */
export interface BoundedLine extends BoundedPiece {
  line: number;
}

/**
 * Splits text into lines (`\n`, a `\r` before it dropped) while streaming, as readline does, but
 * never holds a line over `maxBytes` (BoundedText): such a line is reported as too long.
 */
export async function* boundedLines(text: Readable, maxBytes: number): AsyncGenerator<BoundedLine> {
  let line = 0;
  let pending = false;
  const current = new BoundedText(maxBytes);
  const end = (): BoundedLine => {
    line++;
    pending = false;
    const piece = current.take();
    return { ...piece, line, text: piece.text.endsWith("\r") ? piece.text.slice(0, -1) : piece.text };
  };
  for await (const chunk of text) {
    const str = chunk as string;
    let from = 0;
    for (let at = str.indexOf("\n"); at !== -1; at = str.indexOf("\n", from)) {
      current.add(str.slice(from, at));
      yield end();
      from = at + 1;
    }
    if (from < str.length) {
      current.add(str.slice(from));
      pending = true;
    }
  }
  if (pending) yield end();
}
