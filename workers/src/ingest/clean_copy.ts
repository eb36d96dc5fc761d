import { once } from "node:events";
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { classifyEvent, EventBatchSchema, type MalformedRecord } from "@ctr/schemas";
import { ArrayShapeError, splitArrayElements } from "./array_elements.ts";
import type { FileShape } from "./file_shape.ts";

/** How many malformed locations one file reports; the count goes on beyond it. */
export const MAX_LOCATIONS_PER_FILE = 100;

/** What the locator found: the malformed records of a file (the first MAX_LOCATIONS_PER_FILE) and their count. */
export interface LocatedRecords {
  malformed: number;
  locations: MalformedRecord[];
}

/**
 * Judges one batch's raw text under the contract: valid JSON, an object whose `events` is an
 * array of objects, and no product view without a numeric time. Returns why it is malformed,
 * or undefined when it is a good batch. The parsed numbers are only looked at, never kept,
 * so 64-bit ids losing digits here does not matter: the raw text is what goes on.
 */
export function judgeBatch(text: string): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `invalid JSON: ${(error as Error).message}`;
  }
  const batch = EventBatchSchema.safeParse(value);
  if (!batch.success) {
    const issue = batch.error.issues[0];
    return `not an event batch: ${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "wrong shape"}`;
  }
  for (const event of batch.data.events) {
    const verdict = classifyEvent(event);
    if (verdict.kind === "malformed") return verdict.reason;
  }
  return undefined;
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

/**
 * Streams a file whose native read failed, records each malformed batch with its position
 * (`line N` for NDJSON, `batch N` for an array or a single object) and writes the raw text of the
 * good batches, one per line, to `cleanPath`: the engine then reads that copy as NDJSON.
 * Memory holds one batch at a time.
 */
export async function writeCleanCopy(
  input: { path: string; shape: FileShape; gzipped: boolean; sourceKey: string; engineError?: string },
  cleanPath: string,
): Promise<LocatedRecords> {
  const found: LocatedRecords = { malformed: 0, locations: [] };
  const record = (position: string, reason: string) => {
    found.malformed++;
    if (found.locations.length < MAX_LOCATIONS_PER_FILE)
      found.locations.push({ file: input.sourceKey, position, reason });
  };
  const out = createWriteStream(cleanPath);
  try {
    const text = openText(input.path, input.gzipped);
    if (input.shape === "newline_delimited") {
      let line = 0;
      for await (const raw of createInterface({ input: text, crlfDelay: Number.POSITIVE_INFINITY })) {
        line++;
        if (raw.trim() === "") continue;
        const reason = judgeBatch(raw);
        if (reason) record(`line ${line}`, reason);
        else await writeLine(out, raw);
      }
    } else if (input.shape === "array") {
      let last = 0;
      try {
        for await (const element of splitArrayElements(text)) {
          last = element.index;
          const reason = judgeBatch(element.text);
          if (reason) record(`batch ${element.index}`, reason);
          // Inside valid JSON a raw newline can only be whitespace, so flattening keeps the batch intact.
          else await writeLine(out, element.text.replace(/[\r\n]+/g, " "));
        }
      } catch (error) {
        if (!(error instanceof ArrayShapeError)) throw error;
        record(`batch ${last + 1}`, error.message);
      }
    } else {
      // One pretty-printed object is one batch; the engine's own message says what is wrong with it.
      text.destroy();
      record("batch 1", input.engineError ?? "not an event batch");
    }
  } finally {
    out.end();
    await once(out, "close");
  }
  return found;
}
