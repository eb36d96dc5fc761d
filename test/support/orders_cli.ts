import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const CTR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../jobs/bin/ctr.js");

/** What a finished `ctr` process left: its exit code and output. */
export interface CtrResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A running `ctr` process: its pid (to watch it from outside) and its result when it ends. */
export interface CtrProcess {
  pid: number;
  done: Promise<CtrResult>;
}

/**
 * Starts the real `ctr` binary in a process of its own (to run two at once; one at a time,
 * ctr_in_process.ts's runCtr is quicker), with a clean environment: PATH, CTR_DATA_DIR and `env`.
 */
export function startCtr(args: readonly string[], dataDir: string, env: Record<string, string> = {}): CtrProcess {
  const child = spawn(process.execPath, [CTR, ...args], {
    env: { PATH: process.env.PATH ?? "", CTR_DATA_DIR: dataDir, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (text: string) => {
    stdout += text;
  });
  child.stderr.setEncoding("utf8").on("data", (text: string) => {
    stderr += text;
  });
  const done = new Promise<CtrResult>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
  if (child.pid === undefined) throw new Error("ctr did not start");
  return { pid: child.pid, done };
}

/** The counts a `ctr orders load` summary prints for a table. */
export interface PrintedCounts {
  read: number;
  loaded: number;
  updated: number;
  unchanged: number;
  rejected: number;
}

/** Reads `orders:      3 read, 2 loaded, ...` (or `order_items:`) back from a load's summary. */
export function printedCounts(stdout: string, table: "orders" | "order_items"): PrintedCounts {
  const match = new RegExp(
    `^${table}:\\s+(\\d+) read, (\\d+) loaded, (\\d+) updated, (\\d+) unchanged, (\\d+) rejected$`,
    "m",
  ).exec(stdout);
  if (!match) throw new Error(`no ${table} counts in:\n${stdout}`);
  const [read, loaded, updated, unchanged, rejected] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  return { read, loaded, updated, unchanged, rejected };
}
