import { spawn } from "node:child_process";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { freePort } from "../../test/support/free_port.ts";
import { CTR, embeddedEnv, mustRun } from "../ctr_process.ts";

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
  const port = await freePort();
  const probe = path.join(dataDir, `probe-serve-${process.pid}.json`);
  const started = performance.now();
  const child = spawn(process.execPath, ["--import", PROBE, CTR, "serve", "--port", String(port)], {
    env: embeddedEnv(dataDir, { CTR_BENCH_PROBE: probe }),
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (t: string) => {
    stderr = (stderr + t).slice(-10_000);
  });
  const exited = new Promise<number | null>((resolve) => child.once("close", resolve));
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    let readyMs = 0;
    for (;;) {
      if (exitCode !== undefined) throw new Error(`ctr serve exited with ${exitCode} before it was ready:\n${stderr}`);
      if (performance.now() - started > 120_000) throw new Error(`ctr serve not ready after 120 s:\n${stderr}`);
      const ready = await fetch(`${base}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ready) {
        readyMs = performance.now() - started;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const rssAtReadyBytes = child.pid ? rssOf(child.pid) : 0;
    const measured: ServeRun["requests"] = {};
    for (const [name, url] of Object.entries(requests)) {
      const ms: number[] = [];
      let bytes = 0;
      let text = "";
      for (let i = 0; i < times; i++) {
        const t0 = performance.now();
        const response = await fetch(`${base}${url}`);
        const body = await response.arrayBuffer();
        ms.push(performance.now() - t0);
        if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${Buffer.from(body).toString()}`);
        bytes = body.byteLength;
        text = Buffer.from(body).toString("utf8");
      }
      measured[name] = { ms, bytes, body: text };
    }
    child.kill("SIGTERM");
    await exited;
    const { peakRssBytes } = JSON.parse(readFileSync(probe, "utf8")) as { peakRssBytes: number };
    rmSync(probe, { force: true });
    return { readyMs, rssAtReadyBytes, peakRssBytes, requests: measured };
  } finally {
    if (exitCode === undefined) child.kill("SIGTERM");
    await exited;
  }
}

/** Part folders on disk under an embedded store (store/<xxx>/<uuid>/<partition>_<min>_<max>_<level>). */
export function partFolders(clickhouseDir: string): number {
  const store = path.join(clickhouseDir, "store");
  const list = (at: string) => {
    try {
      return readdirSync(at);
    } catch {
      return [];
    }
  };
  let count = 0;
  for (const prefix of list(store)) {
    for (const uuid of list(path.join(store, prefix))) {
      count += list(path.join(store, prefix, uuid)).filter((e) => /^[\w-]+_\d+_\d+_\d+(_\d+)?$/.test(e)).length;
    }
  }
  return count;
}
