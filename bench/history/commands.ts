import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { CTR, embeddedEnv, mustRun, startServeUntilReady } from "../ctr_process.ts";

const PROBE = path.join(import.meta.dirname, "..", "exit_probe.mjs");

/** One command as a user runs it: its wall time from spawn to exit and its peak RSS. */
export interface CommandRun {
  wallMs: number;
  peakRssBytes: number;
  stdout: string;
}

/** Runs `ctr ARGS` on the store under `dataDir` to its end, with its peak RSS (bench/exit_probe.mjs). */
export async function runCommand(dataDir: string, args: readonly string[]): Promise<CommandRun> {
  const probe = path.join(dataDir, `probe-${process.pid}-${Date.now()}.json`);
  const exit = await mustRun(["--import", PROBE, CTR, ...args], embeddedEnv(dataDir, { CTR_BENCH_PROBE: probe }));
  const { peakRssBytes } = JSON.parse(readFileSync(probe, "utf8")) as { peakRssBytes: number };
  rmSync(probe, { force: true });
  return { wallMs: exit.wallMs, peakRssBytes, stdout: exit.stdout };
}

/** A `ctr serve` measured: spawn → /readyz 200, its resident memory then, its peak at exit, and request timings. */
export interface ServeRun {
  readyMs: number;
  rssAtReadyBytes: number;
  peakRssBytes: number;
  /** Each request's times, and its last answer's size and body. */
  requests: Record<string, { ms: number[]; bytes: number; body: string }>;
}

function rssOf(pid: number): number {
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  return Number(kb ?? 0) * 1024;
}

/**
 * Starts `ctr serve` on the store, times it until `/readyz` answers 200, reads its resident memory
 * before any request, then asks each of `requests` (name → path) `times` times, one at a time, and
 * stops it with SIGTERM.
 */
export async function measureServe(
  dataDir: string,
  requests: Record<string, string>,
  times: number,
): Promise<ServeRun> {
  const probe = path.join(dataDir, `probe-serve-${process.pid}.json`);
  const serve = await startServeUntilReady(embeddedEnv(dataDir, { CTR_BENCH_PROBE: probe }), ["--import", PROBE]);
  try {
    const rssAtReadyBytes = serve.pid ? rssOf(serve.pid) : 0;
    const measured: ServeRun["requests"] = {};
    for (const [name, url] of Object.entries(requests)) {
      const ms: number[] = [];
      let bytes = 0;
      let text = "";
      for (let i = 0; i < times; i++) {
        const t0 = performance.now();
        const response = await fetch(`${serve.base}${url}`);
        const body = await response.arrayBuffer();
        ms.push(performance.now() - t0);
        if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${Buffer.from(body).toString()}`);
        bytes = body.byteLength;
        text = Buffer.from(body).toString("utf8");
      }
      measured[name] = { ms, bytes, body: text };
    }
    await serve.stop();
    const { peakRssBytes } = JSON.parse(readFileSync(probe, "utf8")) as { peakRssBytes: number };
    rmSync(probe, { force: true });
    return { readyMs: serve.readyMs, rssAtReadyBytes, peakRssBytes, requests: measured };
  } finally {
    await serve.stop();
  }
}
