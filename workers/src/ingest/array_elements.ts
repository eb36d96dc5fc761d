/** One element of a top-level JSON array, as raw text, with its 1-based index. */
export interface ArrayElement {
  index: number;
  text: string;
}

/** Raised when the text is not a JSON array at the top level, or ends inside it. */
export class ArrayShapeError extends Error {
  override name = "ArrayShapeError";
}

/**
 * Splits a top-level JSON array into the raw text of its elements while streaming: only the
 * current element is held, never the file. It tracks strings and nesting only, so it does not
 * validate an element (JSON.parse does that), and a malformed element costs only itself as long
 * as its brackets balance.
 */
export async function* splitArrayElements(chunks: AsyncIterable<string>): AsyncGenerator<ArrayElement> {
  let depth = 0;
  let inString = false;
  let escaped = false;
  let started = false;
  let ended = false;
  let index = 0;
  let parts: string[] = [];
  let from = -1;
  const flush = (chunk: string, to: number): string => {
    parts.push(chunk.slice(from, to));
    const text = parts.join("").trim();
    parts = [];
    return text;
  };
  for await (const chunk of chunks) {
    from = started && !ended ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 0x5c) escaped = true;
        else if (c === 0x22) inString = false;
        continue;
      }
      if (!started) {
        if (c === 0x5b) {
          started = true;
          depth = 1;
          from = i + 1;
        } else if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09 && c !== 0xfeff) {
          throw new ArrayShapeError("the file does not start with a JSON array");
        }
        continue;
      }
      if (ended) {
        if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) throw new ArrayShapeError("text after the array");
        continue;
      }
      if (c === 0x22) inString = true;
      else if (c === 0x5b || c === 0x7b) depth++;
      else if (c === 0x5d || c === 0x7d) {
        depth--;
        if (depth === 0) {
          const text = flush(chunk, i);
          if (text !== "" || index > 0) yield { index: ++index, text };
          ended = true;
        }
      } else if (c === 0x2c && depth === 1) {
        yield { index: ++index, text: flush(chunk, i) };
        from = i + 1;
      }
    }
    if (started && !ended && from !== -1) parts.push(chunk.slice(from));
  }
  if (!started) throw new ArrayShapeError("the file is empty");
  if (!ended) throw new ArrayShapeError(`the array ends early, after element ${index}`);
}

/**
 * Splits text holding JSON objects one after the other (DuckDB's `unstructured` shape: one
 * pretty-printed batch, or several) into the raw text of each, while streaming, as
 * splitArrayElements does for an array. Anything but whitespace between the objects is refused.
 */
export async function* splitConcatenatedObjects(chunks: AsyncIterable<string>): AsyncGenerator<ArrayElement> {
  let depth = 0;
  let inString = false;
  let escaped = false;
  let index = 0;
  let parts: string[] = [];
  for await (const chunk of chunks) {
    let from = depth > 0 ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 0x5c) escaped = true;
        else if (c === 0x22) inString = false;
        continue;
      }
      if (depth === 0) {
        if (c === 0x7b) {
          depth = 1;
          from = i;
        } else if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09 && c !== 0xfeff) {
          throw new ArrayShapeError(`text that is not a JSON object after batch ${index}`);
        }
        continue;
      }
      if (c === 0x22) inString = true;
      else if (c === 0x5b || c === 0x7b) depth++;
      else if (c === 0x5d || c === 0x7d) {
        depth--;
        if (depth === 0) {
          parts.push(chunk.slice(from, i + 1));
          yield { index: ++index, text: parts.join("") };
          parts = [];
          from = -1;
        }
      }
    }
    if (depth > 0 && from !== -1) parts.push(chunk.slice(from));
  }
  if (depth > 0) throw new ArrayShapeError(`the file ends inside batch ${index + 1}`);
}
