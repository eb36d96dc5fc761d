import { type BoundedPiece, BoundedText } from "./bounded_text.ts";

/** One element of a top-level JSON array (or one object), as raw text or too long to hold, with its 1-based index. */
export interface ArrayElement extends BoundedPiece {
  index: number;
}

const trimmed = (piece: BoundedPiece): BoundedPiece => ({ ...piece, text: piece.text.trim() });

/** Follows JSON text character by character and tells which characters belong to a string. */
class StringTracker {
  private inString = false;
  private escaped = false;

  /** True while the text so far ends inside a string. */
  get open(): boolean {
    return this.inString;
  }

  /** True when `c` (a UTF-16 code unit) belongs to a string, its quotes included. */
  inside(c: number): boolean {
    if (this.inString) {
      if (this.escaped) this.escaped = false;
      else if (c === 0x5c) this.escaped = true;
      else if (c === 0x22) this.inString = false;
      return true;
    }
    this.inString = c === 0x22;
    return this.inString;
  }
}

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** Outside a value: true for its `opener`, false for whitespace (or a BOM), else the text is refused. */
function opens(c: number, opener: number, refusal: () => string): boolean {
  if (c === opener) return true;
  if (isSpace(c) || c === 0xfeff) return false;
  throw new ArrayShapeError(refusal());
}

/** How a character outside strings changes the nesting: +1 opens an array or object, -1 closes one. */
const nesting = (c: number) => (c === 0x5b || c === 0x7b ? 1 : c === 0x5d || c === 0x7d ? -1 : 0);

/** Raised when the text is not a JSON array at the top level, or ends inside it. */
export class ArrayShapeError extends Error {
  override name = "ArrayShapeError";
}

/**
 * Raised when the text ends before its last value does: what a writer that stopped mid-file leaves.
 * `position` is the 1-based batch that is cut off or missing its end; the batches before it are whole.
 */
export class TruncatedError extends ArrayShapeError {
  override name = "TruncatedError";

  constructor(
    readonly position: number,
    message: string,
  ) {
    super(message);
  }
}

/** True when JSON text stops inside a value: in a string, or with an array or object left open. */
export function endsInsideValue(text: string): boolean {
  const strings = new StringTracker();
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!strings.inside(c)) depth += nesting(c);
  }
  return strings.open || depth > 0;
}

/**
 * Splits a top-level JSON array into the raw text of its elements while streaming: only the
 * current element is held, never the file, and never more than `maxBytes` of it (an element over
 * that is given as too long). It tracks strings and nesting only, so it does not validate an
 * element (JSON.parse does that), and a malformed element costs only itself as long as its
 * brackets balance.
 */
export async function* splitArrayElements(
  chunks: AsyncIterable<string>,
  maxBytes = Number.POSITIVE_INFINITY,
): AsyncGenerator<ArrayElement> {
  let depth = 0;
  const strings = new StringTracker();
  let started = false;
  let ended = false;
  let index = 0;
  const current = new BoundedText(maxBytes);
  let from = -1;
  const flush = (chunk: string, to: number): BoundedPiece => {
    current.add(chunk.slice(from, to));
    return trimmed(current.take());
  };
  const isEmpty = (piece: BoundedPiece) => piece.tooLongBytes === undefined && piece.text === "";
  for await (const chunk of chunks) {
    from = started && !ended ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (!started) {
        if (opens(c, 0x5b, () => "the file does not start with a JSON array")) {
          started = true;
          depth = 1;
          from = i + 1;
        }
        continue;
      }
      if (ended) {
        if (!isSpace(c)) throw new ArrayShapeError("text after the array");
        continue;
      }
      if (strings.inside(c)) continue;
      const step = nesting(c);
      depth += step;
      if (step < 0 && depth === 0) {
        const piece = flush(chunk, i);
        if (!isEmpty(piece) || index > 0) yield { index: ++index, ...piece };
        ended = true;
      } else if (c === 0x2c && depth === 1) {
        yield { index: ++index, ...flush(chunk, i) };
        from = i + 1;
      }
    }
    if (started && !ended && from !== -1) current.add(chunk.slice(from));
  }
  if (!started) throw new ArrayShapeError("the file is empty");
  if (ended) return;
  // No closing bracket: a writer stopped. A last element that is whole is kept; one cut off is not.
  const rest = trimmed(current.take());
  if (!isEmpty(rest) && (depth > 1 || strings.open)) {
    throw new TruncatedError(index + 1, `truncated: the file ends inside batch ${index + 1}`);
  }
  if (!isEmpty(rest)) yield { index: ++index, ...rest };
  const after = index === 0 ? "its opening bracket" : `batch ${index}`;
  throw new TruncatedError(index + 1, `truncated: the file ends after ${after} without closing its array`);
}

/**
 * Splits text holding JSON objects one after the other (DuckDB's `unstructured` shape: one
 * pretty-printed batch, or several) into the raw text of each, while streaming, as
 * splitArrayElements does for an array. Anything but whitespace between the objects is refused.
 */
export async function* splitConcatenatedObjects(
  chunks: AsyncIterable<string>,
  maxBytes = Number.POSITIVE_INFINITY,
): AsyncGenerator<ArrayElement> {
  let depth = 0;
  const strings = new StringTracker();
  let index = 0;
  const current = new BoundedText(maxBytes);
  for await (const chunk of chunks) {
    let from = depth > 0 ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (depth === 0) {
        if (opens(c, 0x7b, () => `text that is not a JSON object after batch ${index}`)) {
          depth = 1;
          from = i;
        }
        continue;
      }
      if (strings.inside(c)) continue;
      const step = nesting(c);
      depth += step;
      if (step < 0 && depth === 0) {
        current.add(chunk.slice(from, i + 1));
        yield { index: ++index, ...current.take() };
        from = -1;
      }
    }
    if (depth > 0 && from !== -1) current.add(chunk.slice(from));
  }
  if (depth > 0) throw new TruncatedError(index + 1, `truncated: the file ends inside batch ${index + 1}`);
}
