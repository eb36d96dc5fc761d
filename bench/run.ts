/**
 * `npm run bench [-- ingest|scaling|api|orders|startup|history ...] [options]`: runs the benchmark
 * parts (ingest, scaling, the API, the orders database, start-up, years of history), writes
 * bench/results/<part>.json for each, and prints one table. See bench/options.ts for the flags and
 * docs/BENCHMARKS.md for what the figures mean.
 */
import { mkdir } from "node:fs/promises";
import { runExplorerPart } from "./api/explorer/part.ts";
import { runApiPart } from "./api/part.ts";
import { runWeekPart } from "./api/week/part.ts";
import { fillDocs } from "./fill_docs.ts";
import { runHistoryPart } from "./history/part.ts";
import { runIngestPart } from "./ingest/part.ts";
import { type BenchOptions, type PartName, parseBenchArgs, USAGE } from "./options.ts";
import { runOrdersPart } from "./orders/part.ts";
import { type BenchRow, describeMachine, formatTable } from "./report.ts";
import { runScalingPart } from "./scaling/part.ts";
import { runStartupPart } from "./startup/part.ts";

/** The API part over the 30-day store (the month query's figure). */
function runMonthPart(o: BenchOptions): Promise<BenchRow[]> {
  return runApiPart({
    seconds: o.apiSeconds,
    connections: o.apiConnections,
    spec: {
      firstDay: "2016-02-01",
      days: o.apiDays,
      products: o.apiProducts,
      viewsPerMinute: o.apiViewsPerMinute,
      seed: Number(o.seed),
    },
    workDir: o.workDir,
    verbose: o.verbose,
    resultName: o.apiLabel ? `api-${o.apiLabel}` : "api",
  });
}

const PART_RUNNERS: Record<PartName, (options: BenchOptions) => Promise<BenchRow[]>> = {
  ingest: (o) =>
    runIngestPart({
      sizeBytes: o.sizeBytes,
      bigFile: o.bigFile,
      bigFileBytes: o.bigFileBytes,
      workloads: o.workloads,
      runs: o.ingestRuns,
      seed: o.seed,
      workDir: o.workDir,
      verbose: o.verbose,
    }),
  scaling: (o) =>
    runScalingPart({
      sizeBytes: o.scalingSizeBytes,
      seed: o.seed,
      redisUrl: o.redisUrl,
      workDir: o.workDir,
      verbose: o.verbose,
    }),
  api: async (o) => [
    ...(o.apiWorkloads.includes("week")
      ? await runWeekPart({
          spec: {
            firstDay: "2016-02-01",
            days: o.apiWeekDays,
            scale: o.apiWeekScale,
            ordersPerView: o.apiOrdersPerView,
            seed: o.seed,
          },
          counts: { sequential: o.apiRequests, concurrent: o.apiConcurrentRequests, repeated: o.apiRepeatRequests },
          connections: o.apiConnections,
          repeatRate: o.apiRepeat,
          repeatWindow: 200,
          workDir: o.workDir,
          verbose: o.verbose,
          resultName: o.apiLabel ? `api-week-${o.apiLabel}` : "api-week",
        })
      : []),
    ...(o.apiWorkloads.includes("month") ? await runMonthPart(o) : []),
    ...(o.apiWorkloads.includes("explorer")
      ? await runExplorerPart({
          runs: 7,
          chromiumPath: "/usr/bin/chromium",
          workDir: o.workDir,
          resultName: o.apiLabel ? `api-explorer-${o.apiLabel}` : "api-explorer",
        })
      : []),
  ],
  orders: (o) => runOrdersPart({ scale: o.ordersScale, seed: o.seed, workDir: o.workDir, verbose: o.verbose }),
  startup: (o) =>
    runStartupPart({
      runs: o.startupRuns,
      ingestRuns: o.startupIngestRuns,
      ingestSizeBytes: o.startupSizeBytes,
      seed: o.seed,
      workDir: o.workDir,
      verbose: o.verbose,
    }),
  history: (o) =>
    runHistoryPart({
      days: o.historyDays,
      scale: o.historyScale,
      runs: o.historyRuns,
      seed: o.seed,
      workDir: o.workDir,
      verbose: o.verbose,
    }),
};

async function main(argv: string[]): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseBenchArgs(argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\nusage: ${USAGE}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`usage: ${USAGE}\n`);
    return 0;
  }
  await mkdir(options.workDir, { recursive: true });
  const machine = describeMachine();
  process.stderr.write(
    `bench: ${options.parts.join(", ")} on ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGb} GB, load ${machine.loadAverage.join(" ")}\n`,
  );
  const rows: BenchRow[] = [];
  let failed = false;
  for (const part of options.parts) {
    const started = performance.now();
    try {
      rows.push(...(await PART_RUNNERS[part](options)));
    } catch (error) {
      failed = true;
      process.stderr.write(`bench ${part} failed: ${error instanceof Error ? error.message : String(error)}\n`);
    }
    process.stderr.write(`bench ${part}: ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
  }
  process.stdout.write(`${formatTable(rows)}\n`);
  // The docs quote bench/results: the figures of this run go into them at once.
  const changed = await fillDocs();
  process.stderr.write(`bench: figures in ${changed.length > 0 ? changed.join(", ") : "the docs unchanged"}\n`);
  return failed ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
