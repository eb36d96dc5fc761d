import { once } from "node:events";
import { createReadStream, createWriteStream, existsSync } from "node:fs";
import { copyFile, mkdir, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { constants, createGunzip, createGzip } from "node:zlib";
import { splitArrayElements } from "@ctr/workers";
import { type IngestInput, reuse } from "./input.ts";

/** The real export next to the repository (never copied into it). */
export const REAL_SAMPLE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../../shared/data/productEvent_20160201.json.gz",
);

const PLATFORM = "MobileWeb";
const DAY = "2016-02-01";

/**
 * Drops the whitespace between a JSON text's tokens, keeping every character inside strings and
 * every digit of numbers: the 18-digit ids must not go through JSON.parse, which would round them.
 */
export function compactJson(text: string): string {
  let out = "";
  let from = 0;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (escaped) escaped = false;
      else if (c === 0x5c) escaped = true;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
      out += text.slice(from, i);
      from = i + 1;
    }
  }
  return out + text.slice(from);
}

const MARKER = "bench-input.json";

/**
 * The input its marker under `dir` still describes, or else `dir` emptied, with its `folder` (by
 * default the sample's day folder) made.
 */
async function reusedOrEmptied(dir: string, folder = path.join(PLATFORM, DAY)): Promise<IngestInput | string> {
  const existing = await reuse(path.join(dir, MARKER));
  if (existing) return existing;
  await rm(dir, { recursive: true, force: true });
  await mkdir(path.join(dir, folder), { recursive: true });
  return path.join(dir, folder);
}

/** The input of the sample's day in `dir`, its files in order, with the marker that lets a later run reuse it. */
async function recorded(
  dir: string,
  files: string[],
  what: Pick<IngestInput, "bytes" | "views" | "description">,
): Promise<IngestInput> {
  const input: IngestInput = { dir, from: DAY, to: DAY, files: files.sort(), ...what };
  await writeFile(path.join(dir, MARKER), JSON.stringify(input, null, 2));
  return input;
}

/**
 * The sample workload: the real sample (a pretty-printed JSON array of 47,633 one-event batches)
 * written as compact NDJSON, one batch per line, `copies` times (32: ≈ 505 MB, 1,524,256 views) in one
 * `MobileWeb/2016-02-01/` folder. Built under `workDir` (reused while present); undefined when the
 * sample is absent.
 */
export async function prepareSampleInput(workDir: string, copies: number): Promise<IngestInput | undefined> {
  if (!existsSync(REAL_SAMPLE)) return undefined;
  const dir = path.join(workDir, `sample-ndjson-${copies}`);
  const folder = await reusedOrEmptied(dir);
  if (typeof folder !== "string") return folder;
  process.stderr.write(`bench: writing the real sample as ${copies} compact NDJSON files\n`);
  const first = path.join(folder, "part-000.ndjson");
  const out = createWriteStream(first);
  const text = createReadStream(REAL_SAMPLE).pipe(createGunzip()).setEncoding("utf8");
  let batches = 0;
  for await (const element of splitArrayElements(text)) {
    batches++;
    if (!out.write(`${compactJson(element.text)}\n`)) await once(out, "drain");
  }
  out.end();
  await once(out, "close");
  const files = [first];
  for (let i = 1; i < copies; i++) {
    const file = path.join(folder, `part-${String(i).padStart(3, "0")}.ndjson`);
    await copyFile(first, file);
    files.push(file);
  }
  const size = (await stat(first)).size;
  // Every batch of the sample holds one product view inside the day.
  return recorded(dir, files, {
    bytes: size * copies,
    views: batches * copies,
    description: `the real sample (${REAL_SAMPLE.split("/").at(-1)}) as ${copies} compact NDJSON files in ${PLATFORM}/${DAY}/`,
  });
}

/**
 * Many small files: the real sample's NDJSON (one copy) cut by lines into `pieces` files, `copies`
 * times over (4 × 64: 256 files of ≈ 240 KB, 62 MB, 190,532 views), in the same folder layout. What
 * a landing zone that receives small event batches holds; built under `workDir` (reused while
 * present); undefined when the sample is absent.
 */
export async function prepareSmallFilesInput(
  workDir: string,
  copies: number,
  pieces: number,
): Promise<IngestInput | undefined> {
  const one = await prepareSampleInput(workDir, 1);
  if (!one?.files[0]) return undefined;
  const dir = path.join(workDir, `sample-small-${copies}x${pieces}`);
  const folder = await reusedOrEmptied(dir);
  if (typeof folder !== "string") return folder;
  process.stderr.write(`bench: writing the real sample as ${copies} × ${pieces} small NDJSON files\n`);
  const lines = createInterface({ input: createReadStream(one.files[0]), crlfDelay: Number.POSITIVE_INFINITY });
  const perPiece = Math.ceil(one.views / pieces);
  const firstCopy: string[] = [];
  let out: ReturnType<typeof createWriteStream> | undefined;
  let n = 0;
  for await (const line of lines) {
    if (n % perPiece === 0) {
      out?.end();
      if (out) await once(out, "close");
      const file = path.join(folder, `part-000-${String(firstCopy.length).padStart(3, "0")}.ndjson`);
      firstCopy.push(file);
      out = createWriteStream(file);
    }
    n++;
    if (!out?.write(`${line}\n`)) await once(out as NodeJS.EventEmitter, "drain");
  }
  out?.end();
  if (out) await once(out, "close");
  const files = [...firstCopy];
  for (let c = 1; c < copies; c++) {
    for (const [p, file] of firstCopy.entries()) {
      const copy = path.join(folder, `part-${String(c).padStart(3, "0")}-${String(p).padStart(3, "0")}.ndjson`);
      await copyFile(file, copy);
      files.push(copy);
    }
  }
  return recorded(dir, files, {
    bytes: one.bytes * copies,
    views: one.views * copies,
    description: `the real sample as ${copies} × ${firstCopy.length} compact NDJSON files of ≈ ${Math.round(one.bytes / firstCopy.length / 1024)} KB in ${PLATFORM}/${DAY}/`,
  });
}

/** The platform folders of the day workload: the contract's three. */
const DAY_PLATFORMS = ["iOS", "Android", "MobileWeb"] as const;

/**
 * A day at production volume: one GMT-3 day of three platform folders, each holding the real sample
 * as compact NDJSON `copies` times (40: ≈ 1.9 GB of JSON, 1.45 GB on disk, 5,715,960 views), every
 * fourth file gzipped at level 1, as an exporter that compresses some of its output leaves it. Built under `workDir` (reused
 * while present); undefined when the sample is absent.
 */
export async function prepareDayInput(workDir: string, copies: number): Promise<IngestInput | undefined> {
  const one = await prepareSampleInput(workDir, 1);
  if (!one?.files[0]) return undefined;
  const dir = path.join(workDir, `sample-day-${copies}`);
  const emptied = await reusedOrEmptied(dir, ".");
  if (typeof emptied !== "string") return emptied;
  process.stderr.write(`bench: writing a day of ${DAY_PLATFORMS.length} × ${copies} sample files, a quarter gzipped\n`);
  const ndjson = one.files[0];
  const gzipped = path.join(dir, "part.ndjson.gz");
  await pipeline(createReadStream(ndjson), createGzip({ level: constants.Z_BEST_SPEED }), createWriteStream(gzipped));
  const files: string[] = [];
  let bytes = 0;
  for (const platform of DAY_PLATFORMS) {
    const folder = path.join(dir, platform, DAY);
    await mkdir(folder, { recursive: true });
    for (let i = 0; i < copies; i++) {
      const gzip = i % 4 === 3;
      const file = path.join(folder, `part-${String(i).padStart(3, "0")}.ndjson${gzip ? ".gz" : ""}`);
      await copyFile(gzip ? gzipped : ndjson, file);
      bytes += (await stat(file)).size;
      files.push(file);
    }
  }
  await rm(gzipped);
  return recorded(dir, files, {
    bytes,
    views: one.views * copies * DAY_PLATFORMS.length,
    description: `a day of ${DAY_PLATFORMS.join(", ")}: the real sample as ${copies} compact NDJSON files per platform, every fourth gzipped (level 1)`,
  });
}
