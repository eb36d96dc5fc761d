import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { timeRun } from "./ctr_process.ts";

/** What every measured child process reports: its own timer and its own peak memory. */
export interface MeasuredRun<Detail> {
  /** Wall time of the measured work only (process start-up and module loading excluded). */
  elapsedMs: number;
  /** Peak resident set size of the child process (VmHWM): native engines included. */
  peakRssBytes: number;
  /**
   * CPU time (user + system, every thread) the process spent on the work. On a shared machine it
   * moves less than the wall time: it does not count the time other processes had the cores.
   */
  cpuMs: number;
  detail: Detail;
}

const RESULT_PREFIX = "BENCH_RESULT ";
const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));

/** The process's peak resident set size so far, from /proc (Linux), in bytes; 0 elsewhere. */
export function readPeakRss(): number {
  try {
    const status = readFileSync("/proc/self/status", "utf8");
    const kb = /^VmHWM:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb === undefined ? 0 : Number(kb) * 1024;
  } catch {
    return 0;
  }
}

/**
 * The child side: runs `work`, times it, reads the peak RSS, then runs the optional `followUp` (a
 * further, separately timed measurement whose figures join the detail), and reports the result on
 * stdout as one tagged JSON line.
 * Everything else a child prints goes to stderr, so the tag is never mixed with logs.
 */
export async function reportMeasured<Detail, Extra extends object = object>(
  work: () => Promise<Detail>,
  followUp?: (detail: Detail) => Promise<Extra>,
): Promise<void> {
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const detail = await work();
  const cpu = process.cpuUsage(cpuBefore);
  const elapsedMs = performance.now() - started;
  const peakRssBytes = readPeakRss();
  const extra = followUp ? await followUp(detail) : {};
  const result: MeasuredRun<Detail & Partial<Extra>> = {
    elapsedMs,
    peakRssBytes,
    cpuMs: (cpu.user + cpu.system) / 1000,
    detail: { ...detail, ...extra },
  };
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
}

export interface ChildOptions {
  /** Extra environment for the child (merged over this process's). Default: none. */
  env?: Record<string, string>;
  /** Echo the child's stderr while it runs. Default false: it is shown only when the child fails. */
  verbose?: boolean;
}

/**
 * Runs `bench/<script>` in a fresh Node process (through tsx) so that its peak memory is its own,
 * and returns what it reported. Fails with the child's stderr when it exits non-zero.
 */
export async function runMeasuredChild<Detail>(
  script: string,
  args: readonly string[],
  options: ChildOptions = {},
): Promise<MeasuredRun<Detail>> {
  const exit = await timeRun(
    ["--import", "tsx", path.join(BENCH_DIR, script), ...args],
    { ...process.env, ...options.env },
    options.verbose ? (text) => process.stderr.write(text) : undefined,
  );
  const line = exit.stdout.split("\n").find((l) => l.startsWith(RESULT_PREFIX));
  if (exit.code !== 0 || line === undefined) {
    throw new Error(`bench/${script} ${args.join(" ")} exited with ${exit.code}:\n${exit.stderr.trim()}`);
  }
  return JSON.parse(line.slice(RESULT_PREFIX.length)) as MeasuredRun<Detail>;
}
