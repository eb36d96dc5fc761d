import { createReadStream } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { buildCli } from "../../jobs/scripts/build.ts";
import { type MeasuredRun, runMeasuredChild } from "../measured_child.ts";
import { type BenchRow, describeMachine, MB, ms, writeResult } from "../report.ts";
import type { BaselineDetail } from "./baseline_sql.ts";
import { runCliBackfill } from "./cli_backfill.ts";
import type { PhaseDetail } from "./convert_phase.ts";
import { measureIdeas } from "./ideas.ts";
import {
  type IngestInput,
  prepareBigFile,
  prepareFixedCostInput,
  prepareGeneratedInput,
  prepareGzipInput,
} from "./input.ts";
import { prepareDayInput, prepareSampleInput, prepareSmallFilesInput, REAL_SAMPLE } from "./sample_input.ts";

/** The workloads `npm run bench -- ingest` measures, in this order. */
export const INGEST_WORKLOADS = ["day", "sample", "small-files", "generated", "gzip"] as const;
export type IngestWorkload = (typeof INGEST_WORKLOADS)[number];

export interface IngestOptions {
  /** Bytes of generated input on disk (the generated and gzip workloads). Default 1 GB (`--size 1GB`). */
  sizeBytes: number;
  /** One single file of `bigFileBytes` instead of the workloads (`--big-file`). Default false. */
  bigFile: boolean;
  /** Size of the single file. Default 2.1 GB: at least 2 GB. */
  bigFileBytes: number;
  /** Which workloads to run (`--workloads sample,gzip`). Default all four. */
  workloads: readonly IngestWorkload[];
  /** Each run is repeated this often, interleaved, and the fastest kept (`--ingest-runs`). Default 1. */
  runs: number;
  seed: string;
  /** Where inputs (kept between runs) and outputs go. */
  workDir: string;
  verbose: boolean;
}

/** Targets: `ctr backfill` against the plain floor (the day; the sample may take 2×), the conversion phase. */
const MAX_RATIO = 1.5;
const MAX_SAMPLE_RATIO = 2;
const MAX_CONVERT_RATIO = 1.2;
const MAX_RSS = 1024 ** 3;
/** Copies of the real sample in the sample workload: ≈ 505 MB, 1,524,256 views. */
const SAMPLE_COPIES = 32;
/** Copies of the real sample per platform folder in the day workload: ≈ 1.9 GB of JSON, 5,715,960 views. */
const DAY_COPIES = 40;
/** The small-files workload: 4 copies of the sample cut into 64 files each (256 files of ≈ 240 KB). */
const SMALL_FILES = { copies: 4, pieces: 64 };

/** Reads every input file once so that the first measured run does not pay for the disk alone. */
async function warmPageCache(files: readonly string[]): Promise<void> {
  for (const file of files) {
    for await (const _ of createReadStream(file, { highWaterMark: 4 * 1024 * 1024 })) {
      // Only the reading matters.
    }
  }
}

interface RunFigures {
  elapsedMs: number;
  cpuMs: number;
  mbPerS: number;
  viewsPerS: number;
  peakRssMb: number;
}

function figures(run: MeasuredRun<unknown>, input: IngestInput): RunFigures {
  const seconds = run.elapsedMs / 1000;
  return {
    elapsedMs: ms(run.elapsedMs),
    cpuMs: ms(run.cpuMs),
    mbPerS: input.bytes / MB / seconds,
    viewsPerS: input.views / seconds,
    peakRssMb: run.peakRssBytes / MB,
  };
}

/** The fastest of `runs` tries of each measurement, the tries interleaved so load hits them alike. */
async function bestOf<T extends Record<string, () => Promise<MeasuredRun<unknown>>>>(
  runs: number,
  measurements: T,
): Promise<{ [K in keyof T]: Awaited<ReturnType<T[K]>> }> {
  const best: Partial<Record<keyof T, MeasuredRun<unknown>>> = {};
  for (let i = 0; i < runs; i++) {
    for (const [name, measure] of Object.entries(measurements) as [keyof T, () => Promise<MeasuredRun<unknown>>][]) {
      const run = await measure();
      const kept = best[name];
      if (!kept || run.elapsedMs < kept.elapsedMs) best[name] = run;
    }
  }
  return best as { [K in keyof T]: Awaited<ReturnType<T[K]>> };
}

/** One workload: `ctr backfill` as a user runs it, its phases in one process, and the two native floors. */
async function measureWorkload(name: string, input: IngestInput, options: IngestOptions) {
  const inputFile = path.join(options.workDir, `ingest-input-${name}.json`);
  await writeFile(inputFile, JSON.stringify(input));
  await warmPageCache(input.files);
  const machine = describeMachine();
  const child = <D>(kind: string) => {
    process.stderr.write(`bench ingest ${name}: ${kind} over ${(input.bytes / MB).toFixed(0)} MB\n`);
    return runMeasuredChild<D>("ingest/measure.ts", [kind, inputFile, path.join(options.workDir, `run-${kind}`)], {
      verbose: options.verbose,
    });
  };
  const fixedInput = await prepareFixedCostInput(options.workDir, input);
  // The plain floor reads NDJSON only: the workloads of other layouts have the product-shaped floors alone.
  const ndjson = input.files.every((file) => /\.ndjson(\.gz)?$/.test(file));
  const runs = await bestOf(options.runs, {
    fixed: () => {
      process.stderr.write(`bench ingest ${name}: ctr backfill of one view (the fixed cost)\n`);
      return runCliBackfill(fixedInput, options.workDir);
    },
    cli: () => {
      process.stderr.write(`bench ingest ${name}: ctr backfill over ${(input.bytes / MB).toFixed(0)} MB\n`);
      return runCliBackfill(input, options.workDir);
    },
    phases: () => child<PhaseDetail>("phases"),
    duckdb: () => child<BaselineDetail>("duckdb"),
    chdb: () => child<BaselineDetail>("chdb"),
    ...(ndjson ? { plain: () => child<BaselineDetail>("plain") } : {}),
  });
  const { fixed, cli, phases, duckdb, chdb, plain } = runs;
  // The product-shaped floor: the same outputs as the product (string ids, file and platform per row).
  const shaped = duckdb.elapsedMs <= chdb.elapsedMs ? duckdb : chdb;
  const shapedName = shaped === duckdb ? "duckdb" : "chdb";
  // The headline floor is the plain pipeline where it applies.
  const floor = plain ?? shaped;
  if (fixed.detail.views !== fixedInput.views)
    throw new Error(`the fixed-cost run stored ${fixed.detail.views} views, not 1`);
  const views = [cli.detail.views, phases.detail.views, duckdb.detail.views, chdb.detail.views];
  if (plain) views.push(plain.detail.views);
  // What each of the product's per-row and per-file costs adds, on one folder of the day (ideas.ts).
  const ideas = name === "day" ? await measureIdeas(inputFile, input, options.workDir, options.runs) : undefined;
  const failures = phases.detail.failures;
  if (failures.length > 0) process.stderr.write(`bench ingest ${name}: failures:\n  ${failures.join("\n  ")}\n`);
  return {
    measuredAt: new Date().toISOString(),
    machine: { ...machine, loadAverageAfter: describeMachine().loadAverage },
    input: { description: input.description, files: input.files.length, bytes: input.bytes, views: input.views },
    bestOf: options.runs,
    runs: {
      fixed: { ...figures(fixed, fixedInput), detail: fixed.detail },
      cli: { ...figures(cli, input), detail: cli.detail },
      phases: { ...figures(phases, input), detail: phases.detail },
      duckdb: { ...figures(duckdb, input), detail: duckdb.detail },
      chdb: { ...figures(chdb, input), detail: chdb.detail },
      ...(plain ? { plain: { ...figures(plain, input), detail: plain.detail } } : {}),
    },
    floor: plain ? "plain" : shapedName,
    floorMs: ms(floor.elapsedMs),
    ratioToFloor: cli.elapsedMs / floor.elapsedMs,
    cpuRatioToFloor: cli.cpuMs / floor.cpuMs,
    fixedRatioToFloor: fixed.elapsedMs / floor.elapsedMs,
    convertMs: ms(phases.detail.convertMs),
    convertRatioToFloor: phases.detail.convertMs / floor.elapsedMs,
    shapedFloor: shapedName,
    shapedFloorMs: ms(shaped.elapsedMs),
    ratioToShapedFloor: cli.elapsedMs / shaped.elapsedMs,
    commitRowsPerS: phases.detail.commitRows / (phases.detail.commitMs / 1000),
    viewsAgree: views.every((v) => v === input.views),
    ...(ideas ? { ideas } : {}),
  };
}

type WorkloadResult = Awaited<ReturnType<typeof measureWorkload>>;

function workloadRows(part: string, name: string, w: WorkloadResult): BenchRow[] {
  const cli = w.runs.cli;
  const rss = cli.peakRssMb * MB;
  const maxRatio = name === "sample" ? MAX_SAMPLE_RATIO : MAX_RATIO;
  return [
    { part, figure: `${name}: ctr backfill time`, value: cli.elapsedMs / 1000, unit: "s" },
    { part, figure: `${name}: ctr backfill views/s`, value: cli.viewsPerS, unit: "views/s" },
    {
      part,
      figure: `${name}: ctr backfill / floor (${w.floor})`,
      value: w.ratioToFloor,
      unit: "×",
      target: `≤ ${maxRatio}`,
      ok: w.ratioToFloor <= maxRatio,
    },
    {
      part,
      figure: `${name}: ctr backfill / product-shaped floor (${w.shapedFloor})`,
      value: w.ratioToShapedFloor,
      unit: "×",
    },
    { part, figure: `${name}: conversion phase`, value: w.convertMs / 1000, unit: "s" },
    {
      part,
      figure: `${name}: conversion / floor`,
      value: w.convertRatioToFloor,
      unit: "×",
      target: `≤ ${MAX_CONVERT_RATIO}`,
      ok: w.convertRatioToFloor <= MAX_CONVERT_RATIO,
    },
    {
      part,
      figure: `${name}: ctr backfill peak RSS`,
      value: cli.peakRssMb,
      unit: "MB",
      target: "≤ 1 GiB",
      ok: rss <= MAX_RSS,
    },
    { part, figure: `${name}: DuckDB floor`, value: w.runs.duckdb.elapsedMs / 1000, unit: "s" },
    { part, figure: `${name}: chDB floor`, value: w.runs.chdb.elapsedMs / 1000, unit: "s" },
    ...(w.runs.plain
      ? [{ part, figure: `${name}: plain DuckDB floor`, value: w.runs.plain.elapsedMs / 1000, unit: "s" }]
      : []),
    {
      part,
      figure: `${name}: fixed cost (ctr backfill of one view) / floor`,
      value: w.fixedRatioToFloor,
      unit: "×",
    },
    { part, figure: `${name}: commits (phase)`, value: w.runs.phases.detail.commitMs / 1000, unit: "s" },
    ...Object.entries(w.ideas?.cpuOverPerFile ?? {}).map(([idea, ratio]) => ({
      part,
      figure: `${name}: idea ${idea}, CPU ÷ the floor's statement per file`,
      value: ratio,
      unit: "×",
    })),
    {
      part,
      figure: `${name}: views agree (every run)`,
      value: w.viewsAgree ? 1 : 0,
      unit: "bool",
      target: "1",
      ok: w.viewsAgree,
    },
  ];
}

/** The inputs of the chosen workloads; the sample one is skipped, saying so, when the sample is absent. */
async function prepareWorkloads(options: IngestOptions): Promise<Map<string, IngestInput>> {
  const inputs = new Map<string, IngestInput>();
  if (options.bigFile) {
    inputs.set("big-file", await prepareBigFile(options.workDir, options.bigFileBytes, options.seed));
    return inputs;
  }
  for (const name of options.workloads) {
    if (name === "day" || name === "sample" || name === "small-files") {
      const sample =
        name === "day"
          ? await prepareDayInput(options.workDir, DAY_COPIES)
          : name === "sample"
            ? await prepareSampleInput(options.workDir, SAMPLE_COPIES)
            : await prepareSmallFilesInput(options.workDir, SMALL_FILES.copies, SMALL_FILES.pieces);
      if (sample) inputs.set(name, sample);
      else process.stderr.write(`bench ingest: skipping the ${name} workload: ${REAL_SAMPLE} is absent\n`);
    } else {
      const generated = await prepareGeneratedInput(options.workDir, options.sizeBytes, options.seed);
      inputs.set(name, name === "gzip" ? await prepareGzipInput(options.workDir, generated) : generated);
    }
  }
  return inputs;
}

/** The results file of a workload: the generated mix keeps `ingest.json`, which other docs quote. */
export function resultName(workload: string): string {
  return workload === "generated" ? "ingest" : `ingest-${workload}`;
}

/**
 * Part 1: each workload through `ctr backfill` as a user runs it, through the product's phases in one
 * process (the conversion phase timed alone), and through the two native floors, each in its own
 * process. Writes one bench/results file per workload (resultName) and returns the table rows.
 */
export async function runIngestPart(options: IngestOptions): Promise<BenchRow[]> {
  // `ctr` runs the compiled CLI: build it from this checkout, so the run measures this code.
  await buildCli();
  const rows: BenchRow[] = [];
  for (const [workload, input] of await prepareWorkloads(options)) {
    const result = await measureWorkload(workload, input, options);
    const name = resultName(workload);
    rows.push(...workloadRows(name, workload, result));
    await writeResult(name, {
      part: name,
      workload,
      ...result,
      // Older names of the same figures, which the docs quote.
      runs: { ...result.runs, backfill: result.runs.cli },
      fasterBaseline: result.floor,
      ratioBackfillToFasterBaseline: result.ratioToFloor,
      cpuRatioBackfillToFasterBaseline: result.cpuRatioToFloor,
      countsAgree: result.viewsAgree,
      mbPerSPerCore: result.runs.cli.mbPerS / result.machine.cpus,
    });
  }
  return rows;
}
