import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { INGEST_WORKLOADS, type IngestWorkload } from "./ingest/part.ts";

/** The parts `npm run bench -- <part>` runs; none named means all, in this order. */
export const PARTS = ["ingest", "scaling", "api", "orders", "startup", "history"] as const;
export type PartName = (typeof PARTS)[number];

export const API_WORKLOADS = ["week", "month", "explorer"] as const;
export type ApiWorkload = (typeof API_WORKLOADS)[number];

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
  /** Workloads of the ingest part (`--workloads day,sample,small-files,generated,gzip`). Default all five. */
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
  /** Which API workloads run (`--api-workloads week,month,explorer`): the generated week against its bare-chDB floor (with /ctr/totals and /ctr/top), the 30-day store, the explorer's first paint in Chromium on the demo store. Default all three. */
  apiWorkloads: ApiWorkload[];
  /** The week: `ctr generate --scale` (default 1.4: ~200k views a day), days (default 7), orders per view (default 0.04). */
  apiWeekScale: number;
  apiWeekDays: number;
  apiOrdersPerView: number;
  /** Week requests: one at a time (default 300), at full concurrency without cache (default 600), with repeats (default 1,000). */
  apiRequests: number;
  apiConcurrentRequests: number;
  apiRepeatRequests: number;
  /** Share of the cached run's requests that repeat one of the last 200 (default 0.3). */
  apiRepeat: number;
  /** Suffix of the API result files, e.g. `before` writes api-before.json and api-week-before.json. Default none. */
  apiLabel: string | undefined;
  /** `ctr generate --scale` of the orders part's two days of orders. Default 25 (about 250k rows). */
  ordersScale: number;
  /** Redis of the scaling part. Default `redis://127.0.0.1:6379` (keys under a unique prefix, removed after). */
  redisUrl: string;
  /** Start-up: timed runs of each command (default 9) and runs of the ingest check (default 3) over `startupSize` (default 482 MB). */
  startupRuns: number;
  startupIngestRuns: number;
  startupSizeBytes: number;
  /** History: days (default 730) of `ctr generate --scale` (default 0.005), and timed runs of each command (default 3). */
  historyDays: number;
  historyScale: number;
  historyRuns: number;
  seed: string;
  /** Inputs (kept between runs) and outputs. Default `$TMPDIR/ctr-bench`. */
  workDir: string;
  verbose: boolean;
}

export const USAGE = `npm run bench [-- ingest|scaling|api|orders|startup|history ...] [options]
  --size 1GB             generated input of ingest (default 1GB)
  --workloads LIST       ingest workloads, of day,sample,small-files,generated,gzip (default all five;
                         day, sample and small-files need ../shared/data/productEvent_20160201.json.gz and
                         are skipped without it)
  --ingest-runs N        tries of each ingest run, the fastest kept (default 1)
  --big-file             ingest one single file instead (with --big-file-size, default 2.1GB)
  --scaling-size SIZE    generated input of the scaling part (default: --size)
  --api-seconds 10       load per API shape (default 10)   --api-connections 32 (default 32)
  --api-days 30 --api-products 5000 --api-views-per-minute 150   the API's 30-day store (month)
  --api-workloads LIST   API workloads, of week,month,explorer (default all three)
  --api-week-scale 1.4 --api-week-days 7 --api-orders-per-view 0.04   the generated week
  --api-requests 300 --api-concurrent-requests 600 --api-repeat-requests 1000   week requests
  --api-repeat 0.3       share of the cached run's requests repeating one of the last 200
  --api-label NAME       write api-NAME.json and api-week-NAME.json (e.g. before)
  --orders-scale 25      ctr generate --scale of the orders part's two days (default 25: ~250k rows)
  --redis-url URL        Redis of the scaling part (default redis://127.0.0.1:6379)
  --startup-runs 9       timed runs of each start-up command, median reported (default 9)
  --startup-ingest-runs 3 --startup-size 482MB   the ingest check of the start-up part
  --history-days 730 --history-scale 0.005 --history-runs 3   the history part's two years of small days
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
      "api-workloads": { type: "string" },
      "api-week-scale": { type: "string" },
      "api-week-days": { type: "string" },
      "api-orders-per-view": { type: "string" },
      "api-requests": { type: "string" },
      "api-concurrent-requests": { type: "string" },
      "api-repeat-requests": { type: "string" },
      "api-repeat": { type: "string" },
      "api-label": { type: "string" },
      "orders-scale": { type: "string" },
      "redis-url": { type: "string" },
      "startup-runs": { type: "string" },
      "startup-ingest-runs": { type: "string" },
      "startup-size": { type: "string" },
      "history-days": { type: "string" },
      "history-scale": { type: "string" },
      "history-runs": { type: "string" },
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
  const apiWorkloads = (values["api-workloads"] ?? API_WORKLOADS.join(",")).split(",").map((w) => w.trim());
  for (const workload of apiWorkloads) {
    if (!(API_WORKLOADS as readonly string[]).includes(workload)) {
      throw new Error(`unknown API workload '${workload}': wants ${API_WORKLOADS.join(", ")}`);
    }
  }
  const apiRepeat = Number(values["api-repeat"] ?? "0.3");
  if (!(apiRepeat >= 0 && apiRepeat < 1))
    throw new Error(`--api-repeat wants a share in [0, 1), got '${values["api-repeat"]}'`);
  const apiLabel = values["api-label"];
  if (apiLabel !== undefined && !/^[a-z0-9-]+$/.test(apiLabel)) {
    throw new Error(`--api-label wants lowercase letters, digits and dashes, got '${apiLabel}'`);
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
    apiWorkloads: apiWorkloads as ApiWorkload[],
    apiWeekScale: positive(values["api-week-scale"], "api-week-scale", 1.4),
    apiWeekDays: Math.round(positive(values["api-week-days"], "api-week-days", 7)),
    apiOrdersPerView: positive(values["api-orders-per-view"], "api-orders-per-view", 0.04),
    apiRequests: Math.round(positive(values["api-requests"], "api-requests", 300)),
    apiConcurrentRequests: Math.round(positive(values["api-concurrent-requests"], "api-concurrent-requests", 600)),
    apiRepeatRequests: Math.round(positive(values["api-repeat-requests"], "api-repeat-requests", 1000)),
    apiRepeat,
    apiLabel,
    ordersScale: positive(values["orders-scale"], "orders-scale", 25),
    redisUrl: values["redis-url"] ?? "redis://127.0.0.1:6379",
    startupRuns: Math.round(positive(values["startup-runs"], "startup-runs", 9)),
    startupIngestRuns: Math.round(positive(values["startup-ingest-runs"], "startup-ingest-runs", 3)),
    historyDays: Math.round(positive(values["history-days"], "history-days", 730)),
    historyScale: positive(values["history-scale"], "history-scale", 0.005),
    historyRuns: Math.round(positive(values["history-runs"], "history-runs", 3)),
    startupSizeBytes: parseSize(values["startup-size"] ?? "482MB", "startup-size"),
    seed,
    workDir: path.resolve(values.work ?? path.join(os.tmpdir(), "ctr-bench")),
    verbose: values.verbose ?? false,
  };
}
