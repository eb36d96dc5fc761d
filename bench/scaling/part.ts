import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { deleteQueueKeys } from "@ctr/workers";
import { prepareGeneratedInput } from "../ingest/input.ts";
import { type MeasuredRun, runMeasuredChild } from "../measured_child.ts";
import { type BenchRow, describeMachine, MB, ms, writeResult } from "../report.ts";
import { startWorkers } from "./workers.ts";

export interface ScalingOptions {
  /** Generated input, bytes on disk. Default: the ingest part's `--size` (1 GB), so the input is shared. */
  sizeBytes: number;
  seed: string;
  redisUrl: string;
  workDir: string;
  verbose: boolean;
}

/** Shards of at most 64 MiB: the 1 GB input spreads over ~20 shards, so two workers end close together. */
const SHARD_MAX_BYTES = String(64 * 1024 * 1024);
const MIN_SPEEDUP = 1.7;

interface QueuedDetail {
  files: number;
  views: number;
  viewRowsWritten: number;
  failures: string[];
}

/** One queued backfill with `workers` pinned `ctr worker` processes and a fresh data folder. */
async function runWithWorkers(
  workers: number,
  inputFile: string,
  options: ScalingOptions,
): Promise<MeasuredRun<QueuedDetail>> {
  const dataDir = path.join(options.workDir, `scaling-${workers}`);
  await rm(dataDir, { recursive: true, force: true });
  const prefix = `bench-scaling-${process.pid}-${workers}-${Date.now().toString(36)}`;
  const env = {
    REDIS_URL: options.redisUrl,
    QUEUE_PREFIX: prefix,
    CTR_DATA_DIR: dataDir,
    SHARD_MAX_BYTES,
    LOG_LEVEL: "warn",
  };
  process.stderr.write(`bench scaling: ${workers} worker(s)\n`);
  const pool = await startWorkers(workers, env, options.verbose);
  try {
    return await runMeasuredChild<QueuedDetail>("scaling/measure.ts", [inputFile], { env, verbose: options.verbose });
  } finally {
    await pool.stop();
    await deleteQueueKeys(options.redisUrl, prefix);
  }
}

/**
 * Part 2: the same backfill through Redis/BullMQ with one `ctr worker` (pinned to one core) and then
 * two (one per core); the coordinator (`ctr backfill`'s queued path, owning the embedded chDB and
 * running the commits) is not pinned. Writes bench/results/scaling.json.
 */
export async function runScalingPart(options: ScalingOptions): Promise<BenchRow[]> {
  const input = await prepareGeneratedInput(options.workDir, options.sizeBytes, options.seed);
  const inputFile = path.join(options.workDir, "scaling-input.json");
  await writeFile(inputFile, JSON.stringify(input));
  const machine = describeMachine();
  const one = await runWithWorkers(1, inputFile, options);
  const two = await runWithWorkers(2, inputFile, options);
  const speedup = one.elapsedMs / two.elapsedMs;
  const failures = [...one.detail.failures, ...two.detail.failures];
  if (failures.length > 0) process.stderr.write(`bench scaling: failures:\n  ${failures.join("\n  ")}\n`);
  const run = (r: MeasuredRun<QueuedDetail>) => ({
    elapsedMs: ms(r.elapsedMs),
    coordinatorCpuMs: ms(r.cpuMs),
    mbPerS: input.bytes / MB / (r.elapsedMs / 1000),
    viewsPerS: input.views / (r.elapsedMs / 1000),
    coordinatorPeakRssMb: r.peakRssBytes / MB,
    detail: r.detail,
  });
  const result = {
    part: "scaling",
    measuredAt: new Date().toISOString(),
    machine: { ...machine, loadAverageAfter: describeMachine().loadAverage },
    input: { description: input.description, files: input.files.length, bytes: input.bytes, views: input.views },
    shardMaxBytes: Number(SHARD_MAX_BYTES),
    runs: { oneWorker: run(one), twoWorkers: run(two) },
    speedup,
    viewsAgree: one.detail.views === input.views && two.detail.views === input.views,
  };
  await writeResult("scaling", result);
  return [
    { part: "scaling", figure: "1 worker time", value: one.elapsedMs / 1000, unit: "s" },
    { part: "scaling", figure: "1 worker views/s", value: result.runs.oneWorker.viewsPerS, unit: "views/s" },
    { part: "scaling", figure: "2 workers time", value: two.elapsedMs / 1000, unit: "s" },
    { part: "scaling", figure: "2 workers views/s", value: result.runs.twoWorkers.viewsPerS, unit: "views/s" },
    {
      part: "scaling",
      figure: "speed-up 2 / 1 workers",
      value: speedup,
      unit: "×",
      target: `≥ ${MIN_SPEEDUP}`,
      ok: speedup >= MIN_SPEEDUP,
    },
    {
      part: "scaling",
      figure: "views agree (2 runs)",
      value: result.viewsAgree ? 1 : 0,
      unit: "bool",
      target: "1",
      ok: result.viewsAgree,
    },
  ];
}
