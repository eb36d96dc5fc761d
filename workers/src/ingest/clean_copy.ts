import { once } from "node:events";
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { classifyEvent, EventBatchSchema, type MalformedRecord, type ViewTimeWindow } from "@ctr/schemas";
import {
  type ArrayElement,
  ArrayShapeError,
  endsInsideValue,
  splitArrayElements,
  splitConcatenatedObjects,
  TruncatedError,
} from "./array_elements.ts";
import { type BoundedLine, type BoundedPiece, boundedLines } from "./bounded_text.ts";
import type { FileShape } from "./file_shape.ts";

/** How many malformed locations one file reports; the count goes on beyond it. */
export const MAX_LOCATIONS_PER_FILE = 100;

/**
 * What the locator found: the malformed batches (skipped whole) and the malformed views (skipped
 * alone, the rest of their batch kept), and the first MAX_LOCATIONS_PER_FILE of them located.
 */
export interface LocatedRecords {
  malformedBatches: number;
  malformedViews: number;
  locations: MalformedRecord[];
  /** The events of the batches written to the clean copy, refused views included: what the engine must read back. */
  keptEvents: number;
  /** Set when the file ends before its last batch does (a writer stopped mid-file): where and how, as located. */
  truncated?: string;
}

/** A batch's verdict: malformed as a whole, or kept, with the 1-based events that are views it refuses. */
export type BatchJudgement =
  | { kind: "malformed"; reason: string }
  | { kind: "batch"; events: number; refusedViews: { event: number; reason: string }[] };

/**
 * Judges one batch's raw text, from a folder with that time `window`, under the contract: valid
 * JSON and an object whose `events` is an array of objects, else the batch is malformed; then each
 * product view whose time classifyEvent refuses is malformed on its own. The parsed numbers are
 * only looked at, never kept, so 64-bit ids losing digits here does not matter: the raw text is
 * what goes on.
 */
export function judgeBatch(text: string, window: ViewTimeWindow): BatchJudgement {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { kind: "malformed", reason: `invalid JSON: ${(error as Error).message}` };
  }
  const batch = EventBatchSchema.safeParse(value);
  if (!batch.success) {
    const issue = batch.error.issues[0];
    return {
      kind: "malformed",
      reason: `not an event batch: ${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "wrong shape"}`,
    };
  }
  const refusedViews: { event: number; reason: string }[] = [];
  for (const [i, event] of batch.data.events.entries()) {
    const verdict = classifyEvent(event, window);
    if (verdict.kind === "malformed") refusedViews.push({ event: i + 1, reason: verdict.reason });
  }
  return { kind: "batch", events: batch.data.events.length, refusedViews };
}

/**
 * An escape the engine's reader refuses though JSON allows it: a UTF-16 surrogate without its
 * pair. Matched from each backslash on, so an escaped backslash (`\\ud800`) is passed over whole.
 */
const ESCAPES =
  /\\(?:u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|u([dD][89a-fA-F][0-9a-fA-F]{2})|[\s\S])/g;

/**
 * The batch text with each lone surrogate escape written as `\ufffd`, what a UTF-8 decoder makes of
 * one: the engine then reads the batch, and a product holding it is refused as no text
 * (productTextFault), while anywhere else it costs nothing. The locator's text already has U+FFFD
 * for bytes that are not UTF-8.
 */
export function replaceLoneSurrogates(text: string): string {
  if (!/\\u[dD][89a-fA-F]/.test(text)) return text;
  return text.replace(ESCAPES, (found, lone: string | undefined) => (lone === undefined ? found : "\\ufffd"));
}

const MB = 1024 * 1024;

/** Why a batch over the engine's limit is skipped, and what to do. */
function tooLong(bytes: number, limit: number): string {
  return `a batch of ${(bytes / MB).toFixed(1)} MB, over the ${limit / MB} MB the engine reads as one JSON value; write it as smaller batches`;
}

function openText(file: string, gzipped: boolean): Readable {
  const raw = createReadStream(file);
  const stream = gzipped ? raw.pipe(createGunzip()) : raw;
  // A gunzip error does not reach the file stream's consumers by itself.
  raw.on("error", (error) => stream.destroy(error));
  stream.setEncoding("utf8");
  return stream;
}

async function writeLine(out: WriteStream, text: string): Promise<void> {
  if (!out.write(`${text}\n`)) await once(out, "drain");
}

/** Batches of a JSON array or of concatenated objects, each flattened onto one line. */
async function* splitBatches(
  text: Readable,
  shape: "array" | "unstructured",
  maxBytes: number,
): AsyncGenerator<ArrayElement> {
  const elements = shape === "array" ? splitArrayElements(text, maxBytes) : splitConcatenatedObjects(text, maxBytes);
  // Inside valid JSON a raw newline can only be whitespace, so flattening keeps a batch intact.
  for await (const element of elements) {
    yield { ...element, text: element.text.replace(/[\r\n]+/g, " ") };
  }
}

/**
 * Streams a file the engine rejected or found malformed records in, records each malformed batch
 * with its position (`line N` for NDJSON, `batch N` for an array or single objects) and each
 * refused view with its event (`line N, event K`), and writes the raw text of the batches kept,
 * one per line, to `cleanPath`: the engine then reads that copy as NDJSON. A kept batch keeps
 * its refused views; the engine leaves them out by the same window. A file that ends inside its
 * last batch, or an array without its closing bracket, is truncated: its whole batches are kept,
 * and the end is located and reported (`truncated`). Memory holds one batch at a time.
 */
export async function writeCleanCopy(
  input: {
    path: string;
    shape: FileShape;
    gzipped: boolean;
    sourceKey: string;
    window: ViewTimeWindow;
    /** The largest batch the engine reads (maxObjectBytes): a longer line is malformed, never held. */
    maxBatchBytes: number;
  },
  cleanPath: string,
): Promise<LocatedRecords> {
  const found: LocatedRecords = { malformedBatches: 0, malformedViews: 0, locations: [], keptEvents: 0 };
  const locate = (position: string, reason: string) => {
    if (found.locations.length < MAX_LOCATIONS_PER_FILE)
      found.locations.push({ file: input.sourceKey, position, reason });
  };
  const out = createWriteStream(cleanPath);
  const keepOrLocate = async (position: string, piece: BoundedPiece) => {
    // A batch the engine would refuse in the clean copy too is malformed, never a lost batch.
    if (piece.tooLongBytes !== undefined) {
      found.malformedBatches++;
      locate(position, tooLong(piece.tooLongBytes, input.maxBatchBytes));
      return;
    }
    const { text } = piece;
    const verdict = judgeBatch(text, input.window);
    if (verdict.kind === "malformed") {
      found.malformedBatches++;
      locate(position, verdict.reason);
      return;
    }
    for (const view of verdict.refusedViews) {
      found.malformedViews++;
      locate(`${position}, event ${view.event}`, view.reason);
    }
    found.keptEvents += verdict.events;
    await writeLine(out, replaceLoneSurrogates(text));
  };
  try {
    const text = openText(input.path, input.gzipped);
    if (input.shape === "newline_delimited") {
      // The last line is judged once the file has ended: only there does a cut line mean truncation.
      let pending: BoundedLine | undefined;
      for await (const next of boundedLines(text, input.maxBatchBytes)) {
        if (next.tooLongBytes === undefined && next.text.trim() === "") continue;
        if (pending) await keepOrLocate(`line ${pending.line}`, pending);
        pending = next;
      }
      if (pending && pending.tooLongBytes === undefined && endsInsideValue(pending.text)) {
        found.truncated = `truncated: the file ends inside line ${pending.line}`;
        found.malformedBatches++;
        locate(`line ${pending.line}`, found.truncated);
      } else if (pending) await keepOrLocate(`line ${pending.line}`, pending);
    } else {
      let last = 0;
      try {
        for await (const batch of splitBatches(text, input.shape, input.maxBatchBytes)) {
          last = batch.index;
          await keepOrLocate(`batch ${batch.index}`, batch);
        }
      } catch (error) {
        if (!(error instanceof ArrayShapeError)) throw error;
        if (error instanceof TruncatedError) found.truncated = error.message;
        found.malformedBatches++;
        locate(`batch ${error instanceof TruncatedError ? error.position : last + 1}`, error.message);
      }
    }
  } finally {
    out.end();
    await once(out, "close");
  }
  return found;
}
