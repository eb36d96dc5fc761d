import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { CTR, embeddedEnv, mustRun } from "../../ctr_process.ts";
import { runMeasuredChild } from "../../measured_child.ts";
import { type BenchRow, describeMachine, writeResult } from "../../report.ts";
import { measureBiAnswers } from "./bi_answers.ts";
import type { FloorArgs, FloorDetail, WeekRequests } from "./floor.ts";
import { type LoadResult, loadPaths } from "./http_load.ts";
import { prepareWeekInput, type WeekSpec } from "./input.ts";
import { ctrPath } from "./requests.ts";
import { startServe } from "./serve.ts";

export interface WeekOptions {
  spec: WeekSpec;
  /** Requests one at a time (API and floor; default 300), at full concurrency without cache (default 600), with repeats (default 1,000). */
  counts: FloorArgs["counts"];
  connections: number;
  /** Share of the cached run's requests that repeat one of the last `repeatWindow` requests. Default 0.3 of the last 200. */
  repeatRate: number;
  repeatWindow: number;
  workDir: string;
  verbose: boolean;
  /** The result file, `bench/results/<name>.json`. Default `api-week`. */
  resultName: string;
}

/** Targets of the week workload: p50 and throughput against the bare-chDB floor, p99 with the cache on. */
const MAX_P50_OVER_FLOOR = 1.2;
const MIN_THROUGHPUT_OVER_FLOOR = 1;
const MAX_CACHED_P99_MS = 100;
/** /ctr/totals of a day and /ctr/top of the week: p50 at most this many times /ctr's single-product p50. */
const MAX_BI_P50_OVER_CTR = 2;
const WARM_UP_REQUESTS = 10;

/** A BI answer's p50 and its ratio to /ctr's single-product p50, against the target. */
function biRows(route: string, what: string, p50: number, ratio: number): BenchRow[] {
  return [
    { part: "api-week", figure: `${route} p50 (${what})`, value: p50, unit: "ms" },
    {
      part: "api-week",
      figure: `${route} p50 / /ctr p50`,
      value: ratio,
      unit: "×",
      target: `≤ ${MAX_BI_P50_OVER_CTR}`,
      ok: ratio <= MAX_BI_P50_OVER_CTR,
    },
  ];
}

/** `ctr orders load` + `ctr backfill` of the week into a fresh data folder, each timed from spawn to exit. */
async function loadStore(dataDir: string, input: Awaited<ReturnType<typeof prepareWeekInput>>) {
  await rm(dataDir, { recursive: true, force: true });
  await mkdir(dataDir, { recursive: true });
  const env = embeddedEnv(dataDir);
  const orders = await mustRun([CTR, "orders", "load", "--orders", input.ordersFile, "--items", input.itemsFile], env);
  const from = input.days[0] as string;
  const to = input.days[input.days.length - 1] as string;
  const backfill = await mustRun([CTR, "backfill", "--from", from, "--to", to, "--source", input.rawDir], env);
  return { ordersLoadMs: orders.wallMs, backfillMs: backfill.wallMs, backfillSummary: backfill.stdout.trim() };
}

/** The API's JSON array and the floor's JSONEachRow text hold the same rows. */
function sameRows(apiBody: string, floorText: string): boolean {
  const floorRows = floorText
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as unknown);
  return JSON.stringify(JSON.parse(apiBody)) === JSON.stringify(floorRows);
}

const summary = ({ bodies, ...figures }: LoadResult) => figures;

/**
 * The week workload: the generated week loaded through the real commands and served by
 * `ctr serve`, against the bare chDB floor built from the same files in the same run. Writes
 * bench/results/<resultName>.json.
 */
export async function runWeekPart(options: WeekOptions): Promise<BenchRow[]> {
  const machine = describeMachine();
  const input = await prepareWeekInput(options.workDir, options.spec);
  process.stderr.write(`bench api week: ${input.description}\n`);
  const dataDir = path.join(options.workDir, "week-store");
  process.stderr.write("bench api week: ctr orders load + ctr backfill\n");
  const load = await loadStore(dataDir, input);
  const requestsFile = path.join(options.workDir, "week-requests.json");
  const args: FloorArgs = {
    input,
    floorDir: path.join(options.workDir, "week-floor"),
    requestsFile,
    seed: options.spec.seed,
    counts: options.counts,
    repeatRate: options.repeatRate,
    repeatWindow: options.repeatWindow,
  };
  const argsFile = path.join(options.workDir, "week-floor-args.json");
  await writeFile(argsFile, JSON.stringify(args));
  process.stderr.write("bench api week: the floor (bare chDB, plain SQL)\n");
  const floor = await runMeasuredChild<FloorDetail>("api/week/floor.ts", [argsFile], { verbose: options.verbose });
  const requests = JSON.parse(await readFile(requestsFile, "utf8")) as WeekRequests;
  const warmUp = requests.concurrent.slice(-WARM_UP_REQUESTS).map(ctrPath);

  process.stderr.write("bench api week: ctr serve, RESULT_CACHE_MB=0: one at a time, then 32 connections\n");
  let server = await startServe(dataDir, { RESULT_CACHE_MB: "0" });
  let sequential: LoadResult;
  let concurrent: LoadResult;
  let bi: Awaited<ReturnType<typeof measureBiAnswers>>;
  try {
    await loadPaths(server.port, warmUp, { connections: 1 });
    sequential = await loadPaths(server.port, requests.sequential.map(ctrPath), {
      connections: 1,
      keepBodies: floor.detail.answers.length,
    });
    concurrent = await loadPaths(server.port, requests.concurrent.map(ctrPath), { connections: options.connections });
    bi = await measureBiAnswers(server.port, input.days);
  } finally {
    await server.stop();
  }
  const checked = floor.detail.answers.filter((text, i) => sameRows(sequential.bodies[i] ?? "[]", text)).length;
  if (checked !== floor.detail.answers.length) {
    throw new Error(
      `the API and the floor disagree on ${floor.detail.answers.length - checked} of ${floor.detail.answers.length} requests`,
    );
  }

  process.stderr.write(
    `bench api week: ctr serve, default config: 32 connections, ${options.repeatRate * 100}% repeats\n`,
  );
  server = await startServe(dataDir, {});
  let repeated: LoadResult;
  try {
    await loadPaths(server.port, warmUp, { connections: 1 });
    repeated = await loadPaths(server.port, requests.repeated.map(ctrPath), { connections: options.connections });
  } finally {
    await server.stop();
  }
  const distinctRepeated = new Set(requests.repeated.map(ctrPath)).size;
  const floorSerial = floor.detail.serial;
  const result = {
    part: "api-week",
    measuredAt: new Date().toISOString(),
    machine: { ...machine, loadAverageAfter: describeMachine().loadAverage },
    spec: options.spec,
    input,
    load,
    products: requests.products,
    connections: options.connections,
    repeat: {
      rate: options.repeatRate,
      window: options.repeatWindow,
      requests: requests.repeated.length,
      distinct: distinctRepeated,
    },
    floor: { ...floor.detail, answers: undefined, checkedAgainstApi: checked },
    api: { sequential: summary(sequential), concurrent: summary(concurrent), repeated: summary(repeated) },
    bi,
    ratios: {
      p50OverFloor: sequential.p50 / floorSerial.p50,
      throughputOverFloor: concurrent.perSecond / floorSerial.perSecond,
      totalsP50OverCtrP50: bi.totals.p50 / sequential.p50,
      topP50OverCtrP50: bi.top.p50 / sequential.p50,
    },
  };
  await writeResult(options.resultName, result);
  const c = options.connections;
  return [
    { part: "api-week", figure: "floor p50 (serial)", value: floorSerial.p50, unit: "ms" },
    { part: "api-week", figure: "API p50 (c=1, cache off)", value: sequential.p50, unit: "ms" },
    {
      part: "api-week",
      figure: "API p50 / floor p50",
      value: result.ratios.p50OverFloor,
      unit: "×",
      target: `≤ ${MAX_P50_OVER_FLOOR}`,
      ok: result.ratios.p50OverFloor <= MAX_P50_OVER_FLOOR,
    },
    { part: "api-week", figure: "floor req/s (serial)", value: floorSerial.perSecond, unit: "req/s" },
    { part: "api-week", figure: `API req/s (c=${c}, cache off)`, value: concurrent.perSecond, unit: "req/s" },
    {
      part: "api-week",
      figure: "API req/s / floor req/s",
      value: result.ratios.throughputOverFloor,
      unit: "×",
      target: `≥ ${MIN_THROUGHPUT_OVER_FLOOR}`,
      ok: result.ratios.throughputOverFloor >= MIN_THROUGHPUT_OVER_FLOOR,
    },
    {
      part: "api-week",
      figure: `API p99 (c=${c}, cache on, ${options.repeatRate * 100}% repeats)`,
      value: repeated.p99,
      unit: "ms",
      target: `≤ ${MAX_CACHED_P99_MS}`,
      ok: repeated.p99 <= MAX_CACHED_P99_MS,
    },
    ...biRows("/ctr/totals", "a day, aggregation 60", bi.totals.p50, result.ratios.totalsP50OverCtrP50),
    ...biRows("/ctr/top", "the week", bi.top.p50, result.ratios.topP50OverCtrP50),
    {
      part: "api-week",
      figure: "non-200 responses",
      value: sequential.non200 + concurrent.non200 + repeated.non200 + bi.totals.non200 + bi.top.non200,
      unit: "responses",
    },
  ];
}
