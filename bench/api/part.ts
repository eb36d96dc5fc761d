import { type ChildProcess, fork } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chooseCtrTables } from "@ctr/query-api";
import { parseCtrRequest } from "@ctr/schemas";
import autocannon from "autocannon";
import { type BenchRow, describeMachine, writeResult } from "../report.ts";
import type { LatencySummary } from "./latency.ts";
import type { ChildMessage, ParentMessage } from "./server.ts";
import { type ApiShape, apiShapes, BENCH_REQUEST_TIMEOUT_MS } from "./shapes.ts";
import type { ApiStoreSpec } from "./store.ts";

export interface ApiOptions {
  /** Seconds of load per shape at full concurrency. Default 10. */
  seconds: number;
  /** Concurrent connections. Default 32. */
  connections: number;
  spec: ApiStoreSpec;
  workDir: string;
  verbose: boolean;
  /** The result file, `bench/results/<name>.json`. Default `api`. */
  resultName: string;
}

/** Targets of the API part: the API's overhead over the engine, the one-product p99 at 32 connections. */
const MAX_OVERHEAD = 1.5;
const MAX_SMALL_P99_MS = 100;
/** Target: a request the daily rollup answers, this many times faster than on the per-minute tables. */
const MIN_DAILY_SPEEDUP = 10;
/** Load of the concurrency-1 measurements, which give the overhead ratio. */
const SEQUENTIAL_SECONDS = 3;

/** The server child and a way to ask it things. */
interface ServerChild {
  process: ChildProcess;
  ready: Extract<ChildMessage, { type: "ready" }>;
  ask(message: ParentMessage): Promise<ChildMessage>;
}

function startServerChild(specFile: string, storeDir: string, verbose: boolean): Promise<ServerChild> {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), "server.ts");
  const child = fork(script, [specFile, storeDir], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", verbose ? "inherit" : "ignore", "pipe", "ipc"],
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (text: string) => {
    stderr = (stderr + text).slice(-20_000);
    if (verbose) process.stderr.write(text);
  });
  const next = () =>
    new Promise<ChildMessage>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`bench/api/server.ts exited with ${code}:\n${stderr}`));
      child.once("exit", onExit);
      child.once("message", (message: ChildMessage) => {
        child.off("exit", onExit);
        if (message.type === "error") reject(new Error(message.message));
        else resolve(message);
      });
    });
  return next().then((ready) => {
    if (ready.type !== "ready") throw new Error(`server child said ${ready.type} before ready`);
    return {
      process: child,
      ready,
      ask: (message) => {
        const reply = next();
        child.send(message);
        return reply;
      },
    };
  });
}

async function engineLatency(
  server: ServerChild,
  shape: ApiShape,
  load: { concurrency: number; seconds: number; minCalls: number; perMinute?: boolean },
): Promise<{ summary: LatencySummary; resultRows: number; scannedRows: number }> {
  const reply = await server.ask({ type: "engine", shape, ...load });
  if (reply.type !== "engine") throw new Error(`server child said ${reply.type}`);
  return reply;
}

/** The grain of the tables the API reads for a shape (ctr_tier.ts): 1, 60 or 1440 minutes. */
function tierOf(shape: ApiShape): number {
  const parsed = parseCtrRequest(shape.query);
  if (!parsed.ok) throw new Error(`${shape.name}: ${parsed.error.message}`);
  return chooseCtrTables(parsed.request).grainMinutes;
}

/**
 * For a shape a rollup answers: the same request on the per-minute tables, engine and API (the app
 * with the rollups off), one at a time: the baseline of the rollups, in the same run.
 */
async function perMinuteBaseline(server: ServerChild, shape: ApiShape, calls: number) {
  if (tierOf(shape) === 1) return undefined;
  const engine = await engineLatency(server, shape, {
    concurrency: 1,
    seconds: SEQUENTIAL_SECONDS,
    minCalls: 3,
    perMinute: true,
  });
  const url = `http://127.0.0.1:${server.ready.perMinutePort}/ctr?${new URLSearchParams(shape.query)}`;
  const api = await httpLatency(url, { connections: 1, amount: Math.max(3, Math.min(calls, engine.summary.count)) });
  return { engine: engine.summary, api };
}

/**
 * HTTP load with autocannon: `amount` requests over `connections` connections. A count rather than a
 * duration: every request sent completes, so no query cut off at the end keeps the engine busy (chDB
 * cannot stop a running query) and slows the next measurement.
 */
async function httpLatency(
  url: string,
  load: { connections: number; amount: number },
): Promise<LatencySummary & { non2xx: number; errors: number }> {
  const result = await autocannon({
    url,
    connections: load.connections,
    amount: load.amount,
    timeout: BENCH_REQUEST_TIMEOUT_MS / 1000,
  });
  return {
    count: result["2xx"],
    p50: result.latency.p50,
    p99: result.latency.p99,
    mean: result.latency.average,
    perSecond: result["2xx"] / result.duration,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

/**
 * Part 3: the real app over a 30-day store under autocannon, and the same SQL timed directly
 * through the same chDB client in the same process, at concurrency 1 (the overhead ratio) and at
 * full concurrency. Writes bench/results/api.json.
 */
export async function runApiPart(options: ApiOptions): Promise<BenchRow[]> {
  const { spec } = options;
  const storeDir = path.join(
    options.workDir,
    `api-store-${spec.days}d-${spec.products}p-${spec.viewsPerMinute}vpm-${spec.seed}`,
  );
  await mkdir(storeDir, { recursive: true });
  const specFile = path.join(options.workDir, "api-spec.json");
  await writeFile(specFile, JSON.stringify(spec));
  process.stderr.write(`bench api: opening the store (built on first use) in ${storeDir}\n`);
  const server = await startServerChild(specFile, storeDir, options.verbose);
  const machine = describeMachine();
  const shapes = [];
  try {
    for (const shape of apiShapes(spec)) {
      const url = `http://127.0.0.1:${server.ready.port}/ctr?${new URLSearchParams(shape.query)}`;
      process.stderr.write(`bench api: ${shape.name}\n`);
      const engine1 = await engineLatency(server, shape, { concurrency: 1, seconds: SEQUENTIAL_SECONDS, minCalls: 3 });
      const api1 = await httpLatency(url, {
        connections: 1,
        amount: Math.max(3, Math.min(engine1.summary.count, 1000)),
      });
      // Requests that fill about `seconds` at the throughput the sequential time predicts (the
      // embedded chDB runs one query at a time), and at least one per connection.
      const fitting = Math.ceil((options.seconds * 1000) / engine1.summary.p50);
      const amount = Math.max(options.connections, fitting);
      // A shape whose one round at full concurrency outlasts the load time gets no engine-side repeat
      // of that round: it would take minutes and tell nothing the sequential figures do not.
      const heavy = fitting < options.connections;
      const engineN = heavy
        ? undefined
        : await engineLatency(server, shape, {
            concurrency: options.connections,
            seconds: options.seconds,
            minCalls: options.connections,
          });
      const apiN = await httpLatency(url, { connections: options.connections, amount });
      const perMinute = await perMinuteBaseline(server, shape, engine1.summary.count);
      shapes.push({
        name: shape.name,
        query: shape.query,
        small: shape.small,
        resultRows: engine1.resultRows,
        scannedRows: engine1.scannedRows,
        /** Per-minute rows read per second by the engine alone, one query at a time. */
        engineRowsPerS: engine1.scannedRows / (engine1.summary.p50 / 1000),
        heavy,
        engine: { sequential: engine1.summary, concurrent: engineN?.summary },
        api: { sequential: api1, concurrent: apiN },
        overheadSequential: api1.p50 / engine1.summary.p50,
        overheadConcurrent: engineN ? apiN.p50 / engineN.summary.p50 : Number.NaN,
        tierMinutes: tierOf(shape),
        perMinute,
        rollupSpeedup: perMinute ? perMinute.api.p50 / api1.p50 : Number.NaN,
      });
    }
  } finally {
    await server.ask({ type: "stop" }).catch(() => undefined);
    server.process.kill();
  }
  const result = {
    part: "api",
    measuredAt: new Date().toISOString(),
    machine: { ...machine, loadAverageAfter: describeMachine().loadAverage },
    store: {
      ...spec,
      ...server.ready.counts,
      buildMs: server.ready.buildMs,
      reused: server.ready.reused,
      rollupFillMs: server.ready.rollupFillMs,
    },
    connections: options.connections,
    seconds: options.seconds,
    requestTimeoutMs: BENCH_REQUEST_TIMEOUT_MS,
    shapes,
  };
  await writeResult(options.resultName, result);
  const rows: BenchRow[] = [
    { part: "api", figure: "store per-minute view rows", value: server.ready.counts.viewRows, unit: "rows" },
    { part: "api", figure: "store per-minute purchase rows", value: server.ready.counts.purchaseRows, unit: "rows" },
  ];
  if (server.ready.rollupFillMs > 0) {
    rows.push({ part: "api", figure: "rollups filled by migrate", value: server.ready.rollupFillMs, unit: "ms" });
  }
  for (const s of shapes) {
    const c = options.connections;
    rows.push({ part: "api", figure: `${s.name}: table tier`, value: s.tierMinutes, unit: "min" });
    if (s.perMinute) {
      rows.push(
        { part: "api", figure: `${s.name}: per-minute API p50 (c=1)`, value: s.perMinute.api.p50, unit: "ms" },
        { part: "api", figure: `${s.name}: per-minute engine p50 (c=1)`, value: s.perMinute.engine.p50, unit: "ms" },
        {
          part: "api",
          figure: `${s.name}: per-minute/rollup API p50 (c=1)`,
          value: s.rollupSpeedup,
          unit: "×",
          ...(s.tierMinutes === 1440
            ? { target: `≥ ${MIN_DAILY_SPEEDUP}`, ok: s.rollupSpeedup >= MIN_DAILY_SPEEDUP }
            : {}),
        },
      );
    }
    rows.push(
      { part: "api", figure: `${s.name}: result rows`, value: s.resultRows, unit: "rows" },
      { part: "api", figure: `${s.name}: rows scanned/s (engine, c=1)`, value: s.engineRowsPerS, unit: "rows/s" },
      { part: "api", figure: `${s.name}: req/s (c=${c})`, value: s.api.concurrent.perSecond, unit: "req/s" },
      { part: "api", figure: `${s.name}: non-2xx (c=${c})`, value: s.api.concurrent.non2xx, unit: "responses" },
      { part: "api", figure: `${s.name}: p50 (c=${c})`, value: s.api.concurrent.p50, unit: "ms" },
      {
        part: "api",
        figure: `${s.name}: p99 (c=${c})`,
        value: s.api.concurrent.p99,
        unit: "ms",
        ...(s.small ? { target: `≤ ${MAX_SMALL_P99_MS}`, ok: s.api.concurrent.p99 <= MAX_SMALL_P99_MS } : {}),
      },
      {
        part: "api",
        figure: `${s.name}: engine p50 (c=${c})`,
        value: s.engine.concurrent?.p50 ?? Number.NaN,
        unit: "ms",
      },
      { part: "api", figure: `${s.name}: API/engine p50 (c=${c})`, value: s.overheadConcurrent, unit: "×" },
      { part: "api", figure: `${s.name}: API p50 (c=1)`, value: s.api.sequential.p50, unit: "ms" },
      { part: "api", figure: `${s.name}: engine p50 (c=1)`, value: s.engine.sequential.p50, unit: "ms" },
      {
        part: "api",
        figure: `${s.name}: API/engine p50 (c=1)`,
        value: s.overheadSequential,
        unit: "×",
        ...(s.small ? { target: `≤ ${MAX_OVERHEAD}`, ok: s.overheadSequential <= MAX_OVERHEAD } : {}),
      },
    );
  }
  return rows;
}
