import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../test/support/free_port.ts";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/**
 * What `npx ctr` runs: the jobs package's bin, which starts the compiled CLI (jobs/dist); or
 * CTR_BENCH_BIN, a CLI built elsewhere (a long run that `npm run build` must not change under it).
 */
// biome-ignore lint/suspicious/noUndeclaredEnvVars: the bench's own switch, not the deployment's configuration
export const CTR = process.env.CTR_BENCH_BIN ?? path.join(REPO_ROOT, "jobs", "bin", "ctr.js");

/** The embedded defaults under `dataDir`, whatever distributed settings the caller's shell exports. */
export function embeddedEnv(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { CLICKHOUSE_URL, REDIS_URL, ORDERS_DATABASE_URL, PARQUET_SINK, EVENTS_SOURCE, ...rest } = process.env;
  return { ...rest, CTR_DATA_DIR: dataDir, LOG_LEVEL: "warn", NO_COLOR: "1", ...extra };
}

/** How a process ended, what it printed (stderr's tail), and its time from spawn to exit. */
export interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
  wallMs: number;
}

/**
 * Runs `node args` to its end and times it from spawn to exit, as a shell's `time` would. Only the
 * tail of stderr is kept (a long run's progress lines would otherwise pile up); `onStderr` sees all of it.
 */
export function timeRun(
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  onStderr?: (text: string) => void,
): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (t: string) => {
      stdout += t;
    });
    child.stderr.setEncoding("utf8").on("data", (t: string) => {
      stderr = (stderr + t).slice(-20_000);
      onStderr?.(t);
    });
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr, wallMs: performance.now() - started }));
  });
}

/** timeRun, failing with what the process printed when it exits non-zero. */
export async function mustRun(args: readonly string[], env?: NodeJS.ProcessEnv): Promise<Exit> {
  const exit = await timeRun(args, env);
  if (exit.code !== 0) throw new Error(`node ${args.join(" ")} exited with ${exit.code}:\n${exit.stderr.trim()}`);
  return exit;
}

/** A `ctr serve` that answered `/readyz`: its address, its time from spawn to ready, and how to stop it. */
export interface ReadyServe {
  base: string;
  pid: number | undefined;
  readyMs: number;
  /** SIGTERM, then its exit code once it has exited (the store is free again). */
  stop(): Promise<number | null>;
}

/** Starts `node [preload] ctr serve` on a free port with `env` and times it from spawn to the first `/readyz` 200. */
export async function startServeUntilReady(
  env: NodeJS.ProcessEnv,
  preload: readonly string[] = [],
): Promise<ReadyServe> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [...preload, CTR, "serve", "--port", String(port)], {
    env,
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
  const stop = async () => {
    if (exitCode === undefined) child.kill("SIGTERM");
    return exited;
  };
  const base = `http://127.0.0.1:${port}`;
  try {
    for (;;) {
      if (exitCode !== undefined) throw new Error(`ctr serve exited with ${exitCode} before it was ready:\n${stderr}`);
      if (performance.now() - started > 120_000) throw new Error(`ctr serve not ready after 120 s:\n${stderr}`);
      const ready = await fetch(`${base}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ready) return { base, pid: child.pid, readyMs: performance.now() - started, stop };
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } catch (error) {
    await stop();
    throw error;
  }
}
