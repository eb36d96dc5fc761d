import { createReadStream } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { type MeasuredRun, runMeasuredChild } from "../measured_child.ts";
import { type BenchRow, describeMachine, MB, ms, writeResult } from "../report.ts";
import type { BaselineDetail } from "./baseline_sql.ts";
import type { BackfillDetail, CommitDetail } from "./embedded_backfill.ts";
import { type IngestInput, prepareBigFile, prepareGeneratedInput } from "./input.ts";

export interface IngestOptions {
  /** Bytes of generated input on disk. Default 1 GB (`--size 1GB`). */
  sizeBytes: number;
  /** One single file of `bigFileBytes` instead of the generator's folders (`--big-file`). Default false. */
  bigFile: boolean;
  /** Size of the single file. Default 2.1 GB: at least 2 GB. */
  bigFileBytes: number;
  seed: string;
  /** Where inputs (kept between runs) and outputs go. */
  workDir: string;
  verbose: boolean;
}

/** Targets of issue 7. */
const MAX_RATIO = 1.5;
const MIN_VIEWS_PER_S = 500_000;
const MAX_BIG_FILE_RSS = 1024 ** 3;

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

/**
 * Part 1: the same input through the product's embedded backfill and two native baselines, each
 * in its own process. Returns the table rows; writes bench/results/ingest.json (or ingest-big-file.json).
 */
export async function runIngestPart(options: IngestOptions): Promise<BenchRow[]> {
  const input = options.bigFile
    ? await prepareBigFile(options.workDir, options.bigFileBytes, options.seed)
    : await prepareGeneratedInput(options.workDir, options.sizeBytes, options.seed);
  const inputFile = path.join(options.workDir, "ingest-input.json");
  await writeFile(inputFile, JSON.stringify(input));
  await warmPageCache(input.files);
  const machineBefore = describeMachine();
  const run = <D>(kind: string) => {
    process.stderr.write(`bench ingest: ${kind} over ${(input.bytes / MB).toFixed(0)} MB\n`);
    return runMeasuredChild<D>("ingest/measure.ts", [kind, inputFile, path.join(options.workDir, `run-${kind}`)], {
      verbose: options.verbose,
    });
  };
  const backfill = await run<BackfillDetail & Partial<CommitDetail>>("backfill");
  const duckdb = await run<BaselineDetail>("duckdb");
  const chdb = await run<BaselineDetail>("chdb");

  const faster = duckdb.elapsedMs <= chdb.elapsedMs ? duckdb : chdb;
  const fasterName = faster === duckdb ? "duckdb" : "chdb";
  const ratio = backfill.elapsedMs / faster.elapsedMs;
  const cpuRatio = backfill.cpuMs / faster.cpuMs;
  const b = figures(backfill, input);
  const commitRowsPerS =
    backfill.detail.commitRows && backfill.detail.commitMs
      ? backfill.detail.commitRows / (backfill.detail.commitMs / 1000)
      : Number.NaN;
  const cpus = machineBefore.cpus;
  const countsAgree = [backfill.detail.views, duckdb.detail.views, chdb.detail.views].every((v) => v === input.views);
  const result = {
    part: options.bigFile ? "ingest-big-file" : "ingest",
    measuredAt: new Date().toISOString(),
    machine: { ...machineBefore, loadAverageAfter: describeMachine().loadAverage },
    input: { description: input.description, files: input.files.length, bytes: input.bytes, views: input.views },
    runs: {
      backfill: { ...b, detail: backfill.detail },
      duckdb: { ...figures(duckdb, input), detail: duckdb.detail },
      chdb: { ...figures(chdb, input), detail: chdb.detail },
    },
    fasterBaseline: fasterName,
    ratioBackfillToFasterBaseline: ratio,
    cpuRatioBackfillToFasterBaseline: cpuRatio,
    countsAgree,
    commitRowsPerS,
    mbPerSPerCore: b.mbPerS / cpus,
  };
  const name = options.bigFile ? "ingest-big-file" : "ingest";
  await writeResult(name, result);
  if (!countsAgree) {
    process.stderr.write(
      `bench ingest: views differ: generator ${input.views}, backfill ${backfill.detail.views}, duckdb ${duckdb.detail.views}, chdb ${chdb.detail.views}\n`,
    );
  }
  if (backfill.detail.failures.length > 0) {
    process.stderr.write(`bench ingest: the backfill reported failures:\n  ${backfill.detail.failures.join("\n  ")}\n`);
  }
  const rows: BenchRow[] = [];
  for (const [runName, r] of Object.entries(result.runs)) {
    rows.push(
      { part: name, figure: `${runName} time`, value: r.elapsedMs / 1000, unit: "s" },
      { part: name, figure: `${runName} CPU time`, value: r.cpuMs / 1000, unit: "s" },
      { part: name, figure: `${runName} throughput`, value: r.mbPerS, unit: "MB/s" },
      {
        part: name,
        figure: `${runName} views/s`,
        value: r.viewsPerS,
        unit: "views/s",
        ...(runName === "backfill" ? { target: `≥ ${MIN_VIEWS_PER_S}`, ok: r.viewsPerS >= MIN_VIEWS_PER_S } : {}),
      },
      {
        part: name,
        figure: `${runName} peak RSS`,
        value: r.peakRssMb,
        unit: "MB",
        ...(runName === "backfill" && options.bigFile
          ? { target: "≤ 1 GiB", ok: backfill.peakRssBytes <= MAX_BIG_FILE_RSS }
          : {}),
      },
    );
  }
  rows.push(
    {
      part: name,
      figure: `backfill / ${fasterName} time`,
      value: ratio,
      unit: "×",
      target: `≤ ${MAX_RATIO}`,
      ok: ratio <= MAX_RATIO,
    },
    { part: name, figure: `backfill / ${fasterName} CPU time`, value: cpuRatio, unit: "×" },
    { part: name, figure: "commit rate", value: commitRowsPerS, unit: "rows/s" },
    {
      part: name,
      figure: "backfill: commits (re-run)",
      value: (backfill.detail.commitMs ?? Number.NaN) / 1000,
      unit: "s",
    },
    {
      part: name,
      figure: "backfill: fixed cost (empty run)",
      value: (backfill.detail.emptyBackfillMs ?? Number.NaN) / 1000,
      unit: "s",
    },
    {
      part: name,
      figure: "views agree (3 runs)",
      value: countsAgree ? 1 : 0,
      unit: "bool",
      target: "1",
      ok: countsAgree,
    },
  );
  return rows;
}
