import { once } from "node:events";
import { createReadStream, createWriteStream, existsSync } from "node:fs";
import { copyFile, mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createGunzip } from "node:zlib";
import { splitArrayElements } from "@ctr/workers";
import type { IngestInput } from "./input.ts";

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

/**
 * The issue-14 workload: the real sample (a pretty-printed JSON array of 47,633 one-event batches)
 * written as compact NDJSON, one batch per line, `copies` times (32: ≈ 505 MB, 1,524,256 views) in one
 * `MobileWeb/2016-02-01/` folder. Built under `workDir` (reused while present); undefined when the
 * sample is absent.
 */
export async function prepareSampleInput(workDir: string, copies: number): Promise<IngestInput | undefined> {
  if (!existsSync(REAL_SAMPLE)) return undefined;
  const dir = path.join(workDir, `sample-ndjson-${copies}`);
  const marker = path.join(dir, "bench-input.json");
  if (existsSync(marker)) {
    const input = JSON.parse(await readFile(marker, "utf8")) as IngestInput;
    if (input.files.every((f) => existsSync(f))) return input;
  }
  await rm(dir, { recursive: true, force: true });
  const folder = path.join(dir, PLATFORM, DAY);
  await mkdir(folder, { recursive: true });
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
  const input: IngestInput = {
    dir,
    from: DAY,
    to: DAY,
    files,
    bytes: size * copies,
    views: batches * copies,
    description: `the real sample (${REAL_SAMPLE.split("/").at(-1)}) as ${copies} compact NDJSON files in ${PLATFORM}/${DAY}/`,
  };
  await writeFile(marker, JSON.stringify(input, null, 2));
  return input;
}
