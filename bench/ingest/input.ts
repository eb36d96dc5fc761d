import { createReadStream, createWriteStream, existsSync } from "node:fs";
import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { BatchFileWriter, BatchMaker, buildCatalog, generate, PART_SHAPES, Random } from "@ctr/jobs";
import { parseDay } from "@ctr/schemas";

/** The events a bench run ingests: the generator's folders, and what the generator says they hold. */
export interface IngestInput {
  /** The source root: `<dir>/<platform>/<day>/<files>`, as `ctr generate` writes it. */
  dir: string;
  from: string;
  to: string;
  files: string[];
  /** Bytes on disk (gzip files compressed), what the backfill summary counts. */
  bytes: number;
  /** Product views in the files, as the generator counted them. */
  views: number;
  /** How the files are laid out, for the write-up. */
  description: string;
}

const FROM = "2016-02-01";
const TO = "2016-02-02";
/**
 * On-disk bytes of one day (three platforms) per unit of `ctr generate --scale`, measured for
 * 2016-02-01..02 (41 to 56 MB: the share of gzip files varies with the day and the scale).
 */
const BYTES_PER_SCALE_DAY = 56e6;
const EVENT_FILE = /\.(json|ndjson|jsonl)(\.gz)?$/;

/** The event files of `<dir>/<platform>/<day>/`; the bench's own notes at the top level are not. */
async function listEventFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && EVENT_FILE.test(e.name))
    .map((e) => path.join(e.parentPath, e.name))
    .filter((file) => path.relative(dir, file).split(path.sep).length === 3)
    .sort();
}

async function sizeOf(files: readonly string[]): Promise<number> {
  const sizes = await Promise.all(files.map(async (f) => (await stat(f)).size));
  return sizes.reduce((a, b) => a + b, 0);
}

/** Reuses an input written earlier with the same options: generating 1 GB takes longer than ingesting it. */
export async function reuse(marker: string): Promise<IngestInput | undefined> {
  if (!existsSync(marker)) return undefined;
  const input = JSON.parse(await readFile(marker, "utf8")) as IngestInput;
  const present = await listEventFiles(input.dir);
  return present.length === input.files.length ? input : undefined;
}

/**
 * The default input: `ctr generate` for two days (2016-02-01..02) at the scale that gives about
 * `sizeBytes` on disk, in the generator's own mix of shapes (pretty JSON arrays, NDJSON, gzip, single
 * batch objects). Kept under `workDir` and reused while the options are the same.
 */
export async function prepareGeneratedInput(workDir: string, sizeBytes: number, seed: string): Promise<IngestInput> {
  const days = 2;
  const scale = Number((sizeBytes / (BYTES_PER_SCALE_DAY * days)).toFixed(3));
  const dir = path.join(workDir, `generated-scale-${scale}-seed-${seed}`);
  const marker = path.join(dir, "bench-input.json");
  const existing = await reuse(marker);
  if (existing) return existing;
  await rm(dir, { recursive: true, force: true });
  process.stderr.write(`bench: generating ~${(sizeBytes / 1e6).toFixed(0)} MB (ctr generate --scale ${scale})\n`);
  const report = await generate({ from: FROM, to: TO, scale, seed, outDir: dir });
  const files = await listEventFiles(dir);
  const input: IngestInput = {
    dir,
    from: FROM,
    to: TO,
    files,
    bytes: await sizeOf(files),
    views: report.platformDays.reduce((n, r) => n + r.views, 0),
    description: `ctr generate --from ${FROM} --to ${TO} --scale ${scale} --seed ${seed}: ${files.length} files, the generator's mix of shapes (JSON arrays pretty and compact, NDJSON, gzip, single-batch objects)`,
  };
  await writeFile(marker, JSON.stringify(input, null, 2));
  return input;
}

/**
 * One single file of at least `sizeBytes`: the generator's batches (same batch maker, same catalog)
 * written in its first part shape, a pretty-printed JSON array like the real export, uncompressed,
 * as `iOS/2016-02-01/part-0000.json`.
 */
export async function prepareBigFile(workDir: string, sizeBytes: number, seed: string): Promise<IngestInput> {
  const dir = path.join(workDir, `big-${sizeBytes}-${seed}`);
  const marker = path.join(dir, "bench-input.json");
  const existing = await reuse(marker);
  if (existing) return existing;
  await rm(dir, { recursive: true, force: true });
  const folder = path.join(dir, "iOS", FROM);
  await mkdir(folder, { recursive: true });
  const file = path.join(folder, "part-0000.json");
  const shape = PART_SHAPES[0];
  const dayStart = parseDay(FROM);
  if (!shape || !dayStart) throw new Error("generator shapes missing");
  process.stderr.write(`bench: writing one ${(sizeBytes / 1e9).toFixed(1)} GB file with the generator's batch maker\n`);
  const catalog = buildCatalog(seed);
  const maker = new BatchMaker(
    Random.derive(seed, "events", "iOS", FROM),
    catalog,
    dayStart.getTime(),
    new Uint8Array(catalog.products.length),
  );
  const writer = new BatchFileWriter(file, shape);
  let views = 0;
  // The writer flushes 1 MB chunks to `<file>.tmp`; its size tells how far we are.
  for (;;) {
    for (let i = 0; i < 50_000; i++) {
      const batch = maker.next(Number.MAX_SAFE_INTEGER);
      views += batch.views;
      await writer.add(batch);
    }
    if ((await stat(`${file}.tmp`)).size >= sizeBytes) break;
  }
  await writer.close();
  const input: IngestInput = {
    dir,
    from: FROM,
    to: FROM,
    files: [file],
    bytes: (await stat(file)).size,
    views,
    description:
      "one pretty-printed JSON array file (the real export's shape), uncompressed, from the generator's batch maker",
  };
  await writeFile(marker, JSON.stringify(input, null, 2));
  return input;
}

/**
 * The gzip mix: the generated input with every file gzip-compressed (zlib's default level, as
 * `gzip` writes it), the ones already compressed copied as they are. The same views in every shape
 * the generator writes, each read through gzip. Kept next to the input it comes from.
 */
export async function prepareGzipInput(workDir: string, plain: IngestInput): Promise<IngestInput> {
  const dir = path.join(workDir, `gzip-of-${path.basename(plain.dir)}`);
  const marker = path.join(dir, "bench-input.json");
  const existing = await reuse(marker);
  if (existing) return existing;
  await rm(dir, { recursive: true, force: true });
  process.stderr.write(`bench: gzipping the ${plain.files.length} generated files\n`);
  const files: string[] = [];
  for (const file of plain.files) {
    const relative = path.relative(plain.dir, file);
    const gzipped = file.endsWith(".gz");
    const target = path.join(dir, gzipped ? relative : `${relative}.gz`);
    await mkdir(path.dirname(target), { recursive: true });
    if (gzipped) await copyFile(file, target);
    else await pipeline(createReadStream(file), createGzip(), createWriteStream(target));
    files.push(target);
  }
  files.sort();
  const input: IngestInput = {
    ...plain,
    dir,
    files,
    bytes: await sizeOf(files),
    description: `the generated mix with every file gzipped: ${files.length} .gz files (${plain.description})`,
  };
  await writeFile(marker, JSON.stringify(input, null, 2));
  return input;
}

/**
 * The same command's fixed cost: one NDJSON file of one batch with one view, in the first day and
 * platform folder of `of`. `ctr backfill` over it pays everything a backfill pays around the
 * conversion (Node, the CLI, listing, both engines' loads, the store's set-up, a day's commit, the
 * summary and the exit) and converts next to nothing.
 */
export async function prepareFixedCostInput(workDir: string, of: IngestInput): Promise<IngestInput> {
  const platform = path.relative(of.dir, of.files[0] ?? "").split(path.sep)[0] || "MobileWeb";
  const dir = path.join(workDir, "fixed-cost");
  const file = path.join(dir, platform, of.from, "part-000.ndjson");
  await rm(dir, { recursive: true, force: true });
  await mkdir(path.dirname(file), { recursive: true });
  const time = Date.parse(`${of.from}T12:00:00Z`);
  const view = {
    event_type: "custom_event",
    data: { event_name: "product", timestamp_unixtime_ms: time, custom_attributes: { codeColor: "P1" } },
  };
  await writeFile(file, `${JSON.stringify({ events: [view], mpid: "1" })}\n`);
  return {
    dir,
    from: of.from,
    to: of.from,
    files: [file],
    bytes: (await stat(file)).size,
    views: 1,
    description: `one NDJSON file of one view in ${platform}/${of.from}/`,
  };
}
