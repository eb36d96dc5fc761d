import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { INGEST_WORKLOADS, type IngestWorkload } from "./ingest/part.ts";

/** The parts `npm run bench -- <part>` runs; none named means all, in this order. */
export const PARTS = ["ingest", "scaling", "api", "orders", "startup"] as const;
export type PartName = (typeof PARTS)[number];

export interface BenchOptions {
  /** `--help`: print the usage and run nothing. */
  help: boolean;
  parts: PartName[];
  /** Generated input for ingest and scaling, bytes on disk. Default 1 GB. */
  sizeBytes: number;
  /** Ingest one single file of `bigFileBytes` instead (`--big-file`). Default false. */
  bigFile: boolean;
  /** Default 2.1 GB. */
  bigFileBytes: number;
  /** Workloads of the ingest part (`--workloads sample,generated,gzip`). Default all three. */
  workloads: IngestWorkload[];
  /** Tries of each ingest run, the fastest kept (`--ingest-runs`). Default 1. */
  ingestRuns: number;
  /** Input of the scaling part. Default: `--size`, so it shares the ingest part's input. */
  scalingSizeBytes: number;
  /** API load: seconds per shape (default 10) and concurrent connections (default 32). */
  apiSeconds: number;
  apiConnections: number;
  /** API store: days (default 30), products (default 5,000), mean views per (minute, platform) (default 150). */
  apiDays: number;
  apiProducts: number;
  apiViewsPerMinute: number;
  /** `ctr generate --scale` of the orders part's two days of orders. Default 25 (about 250k rows). */
  ordersScale: number;
  /** Redis of the scaling part. Default `redis://127.0.0.1:6379` (keys under a unique prefix, removed after). */
  redisUrl: string;
  /** Start-up: timed runs of each command (default 9) and runs of the ingest check (default 3) over `startupSize` (default 482 MB). */
  startupRuns: number;
  startupIngestRuns: number;
  startupSizeBytes: number;
  seed: string;
  /** Inputs (kept between runs) and outputs. Default `$TMPDIR/ctr-bench`. */
  workDir: string;
  verbose: boolean;
}

export const USAGE = `npm run bench [-- ingest|scaling|api|orders|startup ...] [options]
  --size 1GB             generated input of ingest (default 1GB)
  --workloads LIST       ingest workloads, of sample,generated,gzip (default all three; sample needs
                         ../shared/data/productEvent_20160201.json.gz and is skipped without it)
  --ingest-runs N        tries of each ingest run, the fastest kept (default 1)
  --big-file             ingest one single file instead (with --big-file-size, default 2.1GB)
  --scaling-size SIZE    generated input of the scaling part (default: --size)
  --api-seconds 10       load per API shape (default 10)   --api-connections 32 (default 32)
  --api-days 30 --api-products 5000 --api-views-per-minute 150   the API store
  --orders-scale 25      ctr generate --scale of the orders part's two days (default 25: ~250k rows)
  --redis-url URL        Redis of the scaling part (default redis://127.0.0.1:6379)
  --startup-runs 9       timed runs of each start-up command, median reported (default 9)
  --startup-ingest-runs 3 --startup-size 482MB   the ingest check of the start-up part
  --seed 1               generator seed (default 1)
  --work DIR             inputs and outputs (default $TMPDIR/ctr-bench; inputs are reused)
  --verbose              show the children's progress
  --help                 this text`;

/** Parses `1GB`, `500MB`, `2.1GB`, `1e9` (decimal units: 1 GB = 10^9 bytes). */
export function parseSize(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?(?:e\d+)?)\s*(B|KB|MB|GB)?$/i.exec(text.trim());
  const units: Record<string, number> = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9 };
  const bytes = match ? Number(match[1]) * (units[(match[2] ?? "B").toUpperCase()] ?? 1) : Number.NaN;
  if (!(bytes >= 1e6)) throw new Error(`--${flag} wants a size such as 500MB or 1GB, got '${text}'`);
  return Math.round(bytes);
}

function positive(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!(value > 0) || !Number.isFinite(value)) throw new Error(`--${flag} wants a positive number, got '${text}'`);
  return value;
}

export function parseBenchArgs(argv: string[]): BenchOptions {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      size: { type: "string" },
      "big-file": { type: "boolean" },
      "big-file-size": { type: "string" },
      "scaling-size": { type: "string" },
      workloads: { type: "string" },
      "ingest-runs": { type: "string" },
      "api-seconds": { type: "string" },
      "api-connections": { type: "string" },
      "api-days": { type: "string" },
      "api-products": { type: "string" },
      "api-views-per-minute": { type: "string" },
      "orders-scale": { type: "string" },
      "redis-url": { type: "string" },
      "startup-runs": { type: "string" },
      "startup-ingest-runs": { type: "string" },
      "startup-size": { type: "string" },
      seed: { type: "string" },
      work: { type: "string" },
      verbose: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  for (const part of positionals) {
    if (!(PARTS as readonly string[]).includes(part)) {
      throw new Error(`unknown part '${part}': wants ${PARTS.join(", ")}`);
    }
  }
  const seed = values.seed ?? "1";
  if (!/^\d{1,15}$/.test(seed)) throw new Error(`--seed wants a whole number, got '${seed}'`);
  const workloads = (values.workloads ?? INGEST_WORKLOADS.join(",")).split(",").map((w) => w.trim());
  for (const workload of workloads) {
    if (!(INGEST_WORKLOADS as readonly string[]).includes(workload)) {
      throw new Error(`unknown workload '${workload}': wants ${INGEST_WORKLOADS.join(", ")}`);
    }
  }
  return {
    help: values.help ?? false,
    parts: positionals.length > 0 ? (positionals as PartName[]) : [...PARTS],
    sizeBytes: parseSize(values.size ?? "1GB", "size"),
    bigFile: values["big-file"] ?? false,
    bigFileBytes: parseSize(values["big-file-size"] ?? "2.1GB", "big-file-size"),
    workloads: workloads as IngestWorkload[],
    ingestRuns: Math.round(positive(values["ingest-runs"], "ingest-runs", 1)),
    scalingSizeBytes: parseSize(values["scaling-size"] ?? values.size ?? "1GB", "scaling-size"),
    apiSeconds: positive(values["api-seconds"], "api-seconds", 10),
    apiConnections: Math.round(positive(values["api-connections"], "api-connections", 32)),
    apiDays: Math.round(positive(values["api-days"], "api-days", 30)),
    apiProducts: Math.round(positive(values["api-products"], "api-products", 5000)),
    apiViewsPerMinute: Math.round(positive(values["api-views-per-minute"], "api-views-per-minute", 150)),
    ordersScale: positive(values["orders-scale"], "orders-scale", 25),
    redisUrl: values["redis-url"] ?? "redis://127.0.0.1:6379",
    startupRuns: Math.round(positive(values["startup-runs"], "startup-runs", 9)),
    startupIngestRuns: Math.round(positive(values["startup-ingest-runs"], "startup-ingest-runs", 3)),
    startupSizeBytes: parseSize(values["startup-size"] ?? "482MB", "startup-size"),
    seed,
    workDir: path.resolve(values.work ?? path.join(os.tmpdir(), "ctr-bench")),
    verbose: values.verbose ?? false,
  };
}
