import { once } from "node:events";
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { classifyEvent, EventBatchSchema, type MalformedRecord, type ViewTimeWindow } from "@ctr/schemas";
import { type ArrayElement, ArrayShapeError, splitArrayElements, splitConcatenatedObjects } from "./array_elements.ts";
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
}

/** A batch's verdict: malformed as a whole, or kept, with the 1-based events that are views it refuses. */
export type BatchJudgement =
  | { kind: "malformed"; reason: string }
  | { kind: "batch"; refusedViews: { event: number; reason: string }[] };

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
  return { kind: "batch", refusedViews };
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
async function* splitBatches(text: Readable, shape: "array" | "unstructured"): AsyncGenerator<ArrayElement> {
  const elements = shape === "array" ? splitArrayElements(text) : splitConcatenatedObjects(text);
  // Inside valid JSON a raw newline can only be whitespace, so flattening keeps a batch intact.
  for await (const element of elements) yield { ...element, text: element.text.replace(/[\r\n]+/g, " ") };
}

/**
 * Streams a file the engine rejected or found malformed records in, records each malformed batch
 * with its position (`line N` for NDJSON, `batch N` for an array or single objects) and each
 * refused view with its event (`line N, event K`), and writes the raw text of the batches kept,
 * one per line, to `cleanPath`: the engine then reads that copy as NDJSON. A kept batch keeps
 * its refused views; the engine leaves them out by the same window. Memory holds one batch at a time.
 */
export async function writeCleanCopy(
  input: {
    path: string;
    shape: FileShape;
    gzipped: boolean;
    sourceKey: string;
    window: ViewTimeWindow;
    engineError?: string;
  },
  cleanPath: string,
): Promise<LocatedRecords> {
  const found: LocatedRecords = { malformedBatches: 0, malformedViews: 0, locations: [] };
  const locate = (position: string, reason: string) => {
    if (found.locations.length < MAX_LOCATIONS_PER_FILE)
      found.locations.push({ file: input.sourceKey, position, reason });
  };
  const out = createWriteStream(cleanPath);
  const keepOrLocate = async (position: string, text: string) => {
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
    await writeLine(out, text);
  };
  try {
    const text = openText(input.path, input.gzipped);
    if (input.shape === "newline_delimited") {
      let line = 0;
      for await (const raw of createInterface({ input: text, crlfDelay: Number.POSITIVE_INFINITY })) {
        line++;
        if (raw.trim() !== "") await keepOrLocate(`line ${line}`, raw);
      }
    } else if (input.shape === "unstructured" && input.engineError !== undefined) {
      // One pretty-printed object the engine could not read is one bad batch; its message says why.
      text.destroy();
      found.malformedBatches++;
      locate("batch 1", input.engineError);
    } else {
      let last = 0;
      try {
        for await (const batch of splitBatches(text, input.shape)) {
          last = batch.index;
          await keepOrLocate(`batch ${batch.index}`, batch.text);
        }
      } catch (error) {
        if (!(error instanceof ArrayShapeError)) throw error;
        found.malformedBatches++;
        locate(`batch ${last + 1}`, error.message);
      }
    }
  } finally {
    out.end();
    await once(out, "close");
  }
  return found;
}
