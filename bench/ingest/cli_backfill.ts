import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { MeasuredRun } from "../measured_child.ts";
import type { IngestInput } from "./input.ts";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const PROBE = path.join(REPO_ROOT, "bench", "exit_probe.mjs");

/** What `ctr backfill` printed, as far as the bench checks it. */
export interface CliDetail {
  /** The command line run, relative to the repository (what `npx ctr` resolves to). */
  command: string;
  /** The summary's `views` line. */
  views: number;
}

/** The script `npx ctr` runs: the `ctr` bin of the jobs package, whatever it points at on this commit. */
export function ctrBin(): string {
  const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, "jobs", "package.json"), "utf8")) as {
    bin: Record<string, string>;
  };
  const bin = manifest.bin.ctr;
  if (!bin) throw new Error("jobs/package.json has no ctr bin");
  return path.join(REPO_ROOT, "jobs", bin);
}

/**
 * The embedded defaults under `dataDir` reading `sourceDir`, whatever distributed settings the
 * caller's shell exports: the code path a user gets from `npx ctr backfill` with nothing configured.
 */
export function embeddedEnv(dataDir: string, sourceDir: string): NodeJS.ProcessEnv {
  const { CLICKHOUSE_URL, REDIS_URL, ORDERS_DATABASE_URL, PARQUET_SINK, EVENTS_SOURCE, ...rest } = process.env;
  return { ...rest, CTR_DATA_DIR: dataDir, EVENTS_SOURCE: sourceDir, LOG_LEVEL: "warn", NO_COLOR: "1" };
}

/** Runs `node <ctr> args` to its end; fails with what it printed when it exits non-zero. */
function runCtr(args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (t: string) => {
      stdout += t;
    });
    child.stderr.setEncoding("utf8").on("data", (t: string) => {
      stderr = (stderr + t).slice(-20_000);
    });
    child.once("error", reject);
    child.once("close", (code) =>
      code === 0
        ? resolve({ stdout, stderr })
        : reject(new Error(`node ${args.join(" ")} exited with ${code}:\n${stdout}\n${stderr.trim()}`)),
    );
  });
}

/**
 * Runs `ctr backfill --from --to` over the input as a user would, on a store that exists (created by
 * an untimed `ctr migrate`, as the first command of an install does) with an empty sink, and times it
 * from spawn to exit: Node's start-up, the CLI's, listing, conversion, commits and the purchase sync.
 * Its peak RSS and CPU time come from a preloaded exit probe.
 */
export async function runCliBackfill(input: IngestInput, workDir: string): Promise<MeasuredRun<CliDetail>> {
  const dataDir = path.join(workDir, "run-cli");
  await rm(dataDir, { recursive: true, force: true });
  await mkdir(dataDir, { recursive: true });
  const probeFile = path.join(workDir, "cli-probe.json");
  await rm(probeFile, { force: true });
  const bin = ctrBin();
  const env = embeddedEnv(dataDir, input.dir);
  await runCtr([bin, "migrate"], env);
  const args = ["--import", PROBE, bin, "backfill", "--from", input.from, "--to", input.to];
  const started = performance.now();
  const { stdout } = await runCtr(args, { ...env, CTR_BENCH_PROBE: probeFile });
  const elapsedMs = performance.now() - started;
  const probe = JSON.parse(await readFile(probeFile, "utf8")) as { peakRssBytes: number; cpuMs: number };
  const views = Number((/^views\s+([\d,]+)/m.exec(stdout)?.[1] ?? "NaN").replaceAll(",", ""));
  return {
    elapsedMs,
    cpuMs: probe.cpuMs,
    peakRssBytes: probe.peakRssBytes,
    detail: { command: `node ${path.relative(REPO_ROOT, bin)} ${args.slice(3).join(" ")}`, views },
  };
}
