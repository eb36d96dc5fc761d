// The `ctr` CLI as a user runs it: a command to its end, or `ctr serve` until stopped, each in a
// child process of its own with exactly the environment given (plus PATH and HOME).
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import { vi } from "vitest";
import { followOutput } from "./child_output.ts";
import { freePort } from "./free_port.ts";
import { REPO_ROOT } from "./ingest_fixtures.ts";

const baseEnv = () => ({ PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" });

/** Runs `node jobs/bin/ctr.js ARGS` to its end; returns its exit code and output, failing or not. */
export async function runCtr(
  args: readonly string[],
  env: Record<string, string>,
  timeoutMs = 120_000,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ["jobs/bin/ctr.js", ...args], {
      cwd: REPO_ROOT,
      env: { ...baseEnv(), ...env },
      timeout: timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

/**
 * Starts `node jobs/bin/ctr.js ARGS` and returns at once: its pid (to watch it from outside, e.g. to
 * run two at once) and its exit code and output when it ends.
 */
export function startCtr(
  args: readonly string[],
  env: Record<string, string>,
): { pid: number; done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, ["jobs/bin/ctr.js", ...args], {
    cwd: REPO_ROOT,
    env: { ...baseEnv(), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
  if (child.pid === undefined) throw new Error("ctr did not start");
  return { pid: child.pid, done };
}

/** A running `ctr serve`: its base URL, and how to stop it (SIGTERM, then its exit code). */
export interface ServeProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<number | null>;
}

/** Starts `ctr serve` on a free port and waits (at most 60 s) until /healthz answers. */
export async function startCtrServe(env: Record<string, string>): Promise<ServeProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ["jobs/bin/ctr.js", "serve", "--port", String(port)], {
    cwd: REPO_ROOT,
    env: { ...baseEnv(), LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = followOutput(child);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  await vi.waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`ctr serve exited with ${child.exitCode}:\n${output.text()}`);
      const healthy = await fetch(`${url}/healthz`).then(
        (response) => response.ok,
        () => false,
      );
      if (!healthy) throw new Error(`ctr serve did not answer /healthz:\n${output.text()}`);
    },
    { timeout: 60_000, interval: 100 },
  );
  return {
    url,
    child,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}
