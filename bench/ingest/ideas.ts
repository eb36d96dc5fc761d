import { stat } from "node:fs/promises";
import path from "node:path";
import type { Platform, SourceFile } from "@ctr/schemas";
import { FILE_GROUPING, LocalFolder, processShard } from "@ctr/workers";
import { DuckDBInstance } from "@duckdb/node-api";
import { type MeasuredRun, runMeasuredChild } from "../measured_child.ts";
import { MB } from "../report.ts";
import { quotePath } from "./baseline_sql.ts";
import { plainViewsStatement } from "./duckdb_baseline.ts";
import type { IngestInput } from "./input.ts";

/**
 * Each per-row or per-file cost the product pays against the plain floor, measured on its own: one
 * platform folder of the day workload, one DuckDB thread, CPU time (which the machine's load moves
 * far less than wall time). The plain statements are the floor's; each idea changes one thing:
 *
 * - `plainPerFile`: the floor's statement once per file, as a lane runs files (the base);
 * - `plainAllFiles`: the floor's one statement over the folder's files;
 * - `varcharIds`: ids as their text (VARCHAR) instead of BIGINT;
 * - `sourceColumns`: the platform and the source file written on every row;
 * - `jsonTypes`: the time and codeColor read as JSON text and cast, what the contract's type rules read;
 * - `partitionedCopy`: one statement over the folder's files (`filename = true`) writing each file's
 *   Parquet through one `COPY … PARTITION_BY`, instead of a statement per file;
 * - `twoThreads`: the base on a two-thread engine, a statement at a time (a lane's alternative);
 * - `shipped`: the product's own conversion (processShard, one lane): BIGINT ids, the type rules,
 *   the malformed-record flags, the engine's counters, each file's Parquet and manifest published;
 * - `gzAlone`, `gzGrouped`: the product over the folder's gzipped files alone (≈ 1 MB each, several MB
 *   of JSON), each converted alone as shipped, or grouped four to a pass (one temporary table), the
 *   rule before a gzipped file's JSON was counted at its expanded size.
 */
export const IDEAS = [
  "plainPerFile",
  "plainAllFiles",
  "varcharIds",
  "sourceColumns",
  "jsonTypes",
  "partitionedCopy",
  "twoThreads",
  "shipped",
  "gzAlone",
  "gzGrouped",
] as const;
export type Idea = (typeof IDEAS)[number];

/** What a child reports for one idea: the views are counted after the timed work. */
export interface IdeaDetail {
  idea: Idea;
  files: number;
  views?: number;
}

/** The day's folder the ideas run on: its first platform's files. */
export function ideaFiles(input: IngestInput): string[] {
  const [first] = input.files;
  const folder = first ? path.dirname(first) : "";
  return input.files.filter((file) => path.dirname(file) === folder);
}

async function withEngine<T>(threads: number, work: (run: (sql: string) => Promise<void>) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(":memory:", {
    threads: String(threads),
    preserve_insertion_order: "true",
  });
  const connection = await instance.connect();
  try {
    return await work(async (sql) => {
      await connection.run(sql);
    });
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Views in the Parquet files under `dir`. */
export async function countViews(dir: string): Promise<{ views: number }> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(
      `SELECT count(*)::BIGINT AS n FROM read_parquet(${quotePath(`${dir}/**/*.parquet`)}, hive_partitioning = false)`,
    );
    return { views: Number(reader.getRowObjectsJS()[0]?.n ?? 0) };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** The product's conversion of the files, one lane, into a sink under `workDir`. */
async function shipped(files: readonly string[], workDir: string, grouping = FILE_GROUPING): Promise<void> {
  // <root>/<platform>/<day>/<file>
  const root = path.dirname(path.dirname(path.dirname(files[0] ?? "")));
  const sourceFiles: SourceFile[] = await Promise.all(
    files.map(async (file) => ({ key: path.relative(root, file), size: (await stat(file)).size, etag: file })),
  );
  const [platform, day] = path.relative(root, files[0] ?? "").split(path.sep);
  await processShard(
    { platform: platform as Platform, day: day ?? "", files: sourceFiles },
    {
      source: new LocalFolder(root),
      sink: new LocalFolder(path.join(workDir, "sink")),
      engine: { memoryLimitMb: 512, threads: 1, tempDir: path.join(workDir, "tmp") },
      grouping,
    },
  );
}

const gzipped = (files: readonly string[]) => files.filter((file) => file.endsWith(".gz"));

/** The child side: runs one idea over the folder's `files` (the gz ideas over its gzipped ones), writing under `workDir`. */
export async function runIdea(idea: Idea, folder: readonly string[], workDir: string): Promise<IdeaDetail> {
  const files = idea.startsWith("gz") ? gzipped(folder) : folder;
  const out = (i: number) => quotePath(path.join(workDir, `${i}.parquet`));
  const perFile = (threads: number, options: Parameters<typeof plainViewsStatement>[1] = {}) =>
    withEngine(threads, async (run) => {
      for (const [i, file] of files.entries()) {
        await run(`COPY (${plainViewsStatement([file], options)}) TO ${out(i)} (FORMAT parquet, COMPRESSION zstd)`);
      }
    });
  switch (idea) {
    case "plainPerFile":
      await perFile(1);
      break;
    case "twoThreads":
      await perFile(2);
      break;
    case "varcharIds":
      await perFile(1, { ids: "VARCHAR" });
      break;
    case "sourceColumns":
      await perFile(1, { sourceColumns: true });
      break;
    case "jsonTypes":
      await perFile(1, { jsonTypes: true });
      break;
    case "plainAllFiles":
      await withEngine(1, (run) =>
        run(`COPY (${plainViewsStatement(files)}) TO ${out(0)} (FORMAT parquet, COMPRESSION zstd)`),
      );
      break;
    case "partitionedCopy":
      await withEngine(1, (run) =>
        run(
          `COPY (${plainViewsStatement(files, { part: true })})
           TO ${quotePath(path.join(workDir, "parts"))} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (part))`,
        ),
      );
      break;
    case "shipped":
      await shipped(files, workDir);
      break;
    case "gzAlone":
      await shipped(files, workDir);
      break;
    case "gzGrouped":
      // The former rule: a file small by its size on disk, gzipped or not, joins a group.
      await shipped(files, workDir, { ...FILE_GROUPING, maxFileBytes: 8 * MB, maxFiles: 4 });
      break;
  }
  return { idea, files: files.length };
}

/** Each idea in its own process over the first platform folder of `input`, `runs` times interleaved, the fastest CPU kept. */
export async function measureIdeas(inputFile: string, input: IngestInput, workDir: string, runs: number) {
  const best = new Map<Idea, MeasuredRun<IdeaDetail>>();
  for (let r = 0; r < runs; r++) {
    for (const idea of IDEAS) {
      process.stderr.write(`bench ingest ideas: ${idea}\n`);
      const run = await runMeasuredChild<IdeaDetail>("ingest/measure.ts", [
        `idea:${idea}`,
        inputFile,
        path.join(workDir, `run-idea-${idea}`),
      ]);
      const kept = best.get(idea);
      if (!kept || run.cpuMs < kept.cpuMs) best.set(idea, run);
    }
  }
  const cpu = (idea: Idea) => best.get(idea)?.cpuMs ?? Number.NaN;
  const base = cpu("plainPerFile");
  const files = ideaFiles(input);
  return {
    folder: path.relative(input.dir, path.dirname(files[0] ?? "")),
    files: files.length,
    runs: Object.fromEntries(
      [...best].map(([idea, run]) => [
        idea,
        { cpuMs: run.cpuMs, elapsedMs: run.elapsedMs, peakRssMb: run.peakRssBytes / MB, views: run.detail.views },
      ]),
    ),
    /** Each idea's CPU over the base's (a statement per file, the floor's statement). */
    cpuOverPerFile: Object.fromEntries(IDEAS.map((idea) => [idea, cpu(idea) / base])),
    /** The gzip rule's effect: the folder's gzipped files grouped over each alone. */
    gzGroupedOverAlone: cpu("gzGrouped") / cpu("gzAlone"),
    viewsAgree:
      IDEAS.every(
        (idea) => idea.startsWith("gz") || best.get(idea)?.detail.views === best.get("plainPerFile")?.detail.views,
      ) && best.get("gzGrouped")?.detail.views === best.get("gzAlone")?.detail.views,
  };
}
