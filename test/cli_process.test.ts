/**
 * The real, built `ctr` (jobs/bin/ctr.js → jobs/dist) as a user runs it, in child processes: what its
 * help loads, what a second process on the embedded store is told, and that killing the PID of
 * `npm run` / `npx` stops the server it started.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createConnection } from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { freePort } from "./support/free_port.ts";
import { REPO_ROOT } from "./support/ingest_fixtures.ts";

const CTR = path.join(REPO_ROOT, "jobs", "bin", "ctr.js");
const TRACER = path.join(REPO_ROOT, "test", "support", "module_trace.mjs");
const workDir = mkdtempSync(path.join(os.tmpdir(), "ctr-cli-process-"));
const children: ChildProcess[] = [];

const storeDirs: string[] = [];

afterEach(() => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  // A server orphaned by a failing test: chDB's status file names its pid.
  for (const dir of storeDirs.splice(0)) {
    const pid = Number(/^PID:\s*(\d+)/m.exec(readStatus(dir))?.[1]);
    if (pid > 0 && pid !== process.pid) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
  }
});

function readStatus(dataDir: string): string {
  try {
    return readFileSync(path.join(dataDir, "clickhouse", "status"), "utf8");
  } catch {
    return "";
  }
}
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** The embedded defaults under `dataDir`, whatever distributed settings the shell exports. */
function embeddedEnv(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { CLICKHOUSE_URL, REDIS_URL, ORDERS_DATABASE_URL, PARQUET_SINK, EVENTS_SOURCE, ...rest } = process.env;
  return { ...rest, CTR_DATA_DIR: dataDir, LOG_LEVEL: "warn", ...extra };
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function runCtr(args: readonly string[], env: NodeJS.ProcessEnv, nodeArgs: readonly string[] = []): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [...nodeArgs, CTR, ...args], { env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

/** The files `ctr ARGS` loads: ES modules, CommonJS modules and native addons (test/support/module_trace.mjs). */
async function loadedModules(args: readonly string[], dataDir: string): Promise<{ run: Run; modules: string[] }> {
  const trace = path.join(workDir, `trace-${args.join("-").replace(/\W+/g, "_")}.txt`);
  const run = await runCtr(args, embeddedEnv(dataDir, { CTR_MODULE_TRACE: trace }), ["--import", TRACER]);
  return { run, modules: readFileSync(trace, "utf8").split("\n").filter(Boolean) };
}

/** The npm packages among loaded module paths: `chdb`, `@duckdb/node-api`, ... */
function packagesOf(modules: readonly string[]): Set<string> {
  const names = modules.flatMap((m) => {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(m);
    return match?.[1] ? [match[1]] : [];
  });
  return new Set(names);
}

/** Engines and drivers that a listing or a help text must never load. */
const ENGINES = [
  "chdb",
  "@chdb/lib-linux-x64-gnu",
  "@duckdb/node-api",
  "@duckdb/node-bindings",
  "bullmq",
  "ioredis",
  "@aws-sdk/client-s3",
  "better-sqlite3",
  "mysql2",
  "pg",
  "hono",
];

async function isReady(port: number): Promise<boolean> {
  return fetch(`http://127.0.0.1:${port}/readyz`).then(
    (response) => response.status === 200,
    () => false,
  );
}

/** Whether anything accepts connections on the port. */
function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Starts a command that serves on `port` and waits until its /readyz answers 200. */
async function startServing(command: string, args: string[], env: NodeJS.ProcessEnv, port: number) {
  const child = spawn(command, args, { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  await vi.waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`${command} ${args.join(" ")} exited early:\n${output}`);
      expect(await isReady(port)).toBe(true);
    },
    { timeout: 60_000, interval: 100 },
  );
  return child;
}

describe("ctr --help and a command's --help", () => {
  it.each([
    [["--help"]],
    [["backfill", "--help"]],
    [["serve", "--help"]],
    [["orders", "load", "--help"]],
    [["--version"]],
  ])("ctr %j loads no engine, driver or server library", async (args) => {
    const { run, modules } = await loadedModules(args, path.join(workDir, "no-store"));
    expect(run.code).toBe(0);
    const packages = packagesOf(modules);
    // The trace sees the modules that did load: the CLI library.
    expect(packages).toContain("commander");
    expect(ENGINES.filter((engine) => packages.has(engine))).toEqual([]);
    expect(modules.some((m) => m.includes("/jobs/dist/"))).toBe(true);
    expect(modules.some((m) => m.includes("/src/") && m.endsWith(".ts"))).toBe(false);
  });

  it("prints the version, and suggests the command or flag meant", async () => {
    const env = embeddedEnv(path.join(workDir, "no-store"));
    const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, "jobs", "package.json"), "utf8")) as {
      version: string;
    };
    expect(await runCtr(["--version"], env)).toMatchObject({ code: 0, stdout: `${manifest.version}\n` });
    const command = await runCtr(["backfil"], env);
    expect(command.code).toBe(2);
    expect(command.stderr).toContain("unknown command 'backfil'");
    expect(command.stderr).toContain("Did you mean backfill?");
    const flag = await runCtr(["backfill", "--form", "2016-02-01"], env);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("unknown option '--form'");
    expect(flag.stderr).toContain("Did you mean --from?");
  });

  it("runs a store command from the build: ctr migrate finds its migration files and loads chDB only then", async () => {
    const dataDir = path.join(workDir, "migrate");
    const first = await loadedModules(["migrate"], dataDir);
    expect(first.run).toMatchObject({ code: 0 });
    expect(first.run.stdout).toMatch(/^applied 0001_per_minute_tables\.sql/m);
    expect(packagesOf(first.modules)).toContain("chdb");
    expect(packagesOf(first.modules)).not.toContain("@duckdb/node-api");
    const again = await runCtr(["migrate"], embeddedEnv(dataDir));
    expect(again).toMatchObject({ code: 0 });
    expect(again.stdout).toMatch(/up to date/);
    expect(again.stdout).not.toMatch(/applied/);
  });

  it("runs an in-process ctr daily without loading BullMQ or ioredis: they are the queue's", async () => {
    const dataDir = path.join(workDir, "daily");
    mkdirSync(path.join(dataDir, "raw"), { recursive: true });
    const { run, modules } = await loadedModules(["daily", "--date", "2016-02-01"], dataDir);
    expect(run, run.stderr).toMatchObject({ code: 0 });
    expect(run.stdout).toContain("rows written 0 view rows (3 platform-days");
    const packages = packagesOf(modules);
    expect(packages).toContain("chdb");
    expect(["bullmq", "ioredis"].filter((name) => packages.has(name))).toEqual([]);
  });
});

describe("a second process on the embedded store", () => {
  it("is told which directory and process hold it and what to do, with exit code 2 (the holder: the built ctr serve)", async () => {
    const dataDir = path.join(workDir, "locked");
    storeDirs.push(dataDir);
    const port = await freePort();
    const server = await startServing(
      process.execPath,
      [CTR, "serve", "--port", String(port)],
      embeddedEnv(dataDir),
      port,
    );
    // The built server finds its assets beside the bundle: the explorer page and its scripts.
    const page = await fetch(`http://127.0.0.1:${port}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<html");
    expect((await fetch(`http://127.0.0.1:${port}/explore/main.js`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/explore/vendor/uPlot.esm.js`)).status).toBe(200);
    const second = await runCtr(["backfill", "--from", "2016-02-01", "--to", "2016-02-01"], embeddedEnv(dataDir));
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(path.join(dataDir, "clickhouse"));
    expect(second.stderr).toContain(`process ${server.pid}`);
    expect(second.stderr).toContain("serve");
    // The holder's real address, and no key: it was started without API_KEYS.
    expect(second.stderr).toContain(`curl -X POST http://localhost:${port}/jobs/backfill -H 'Content-Type`);
    expect(second.stderr).not.toContain("Authorization");
    // chDB's own message never reaches the user: the store was not opened at all.
    expect(second.stderr).not.toContain("Cannot lock file");
    const exited = new Promise((resolve) => server.once("exit", resolve));
    server.kill("SIGTERM");
    await exited;
    // Once the holder is gone, the store is free again.
    expect(await runCtr(["migrate"], embeddedEnv(dataDir))).toMatchObject({ code: 0 });
  });
});

describe("killing the PID of npm", () => {
  it.each([
    ["npm run ctr -- serve", "npm", ["run", "ctr", "--", "serve"]],
    ["npx ctr serve", "npx", ["ctr", "serve"]],
  ])("%s stops the server: the port is free and the store can be opened", async (_name, command, args) => {
    const dataDir = path.join(workDir, `npm-${command}`);
    storeDirs.push(dataDir);
    const port = await freePort();
    const npm = await startServing(command, [...args, "--port", String(port)], embeddedEnv(dataDir), port);
    npm.kill("SIGTERM");
    await vi.waitFor(async () => expect(await isListening(port)).toBe(false), { timeout: 20_000, interval: 100 });
    await vi.waitFor(async () => expect((await runCtr(["migrate"], embeddedEnv(dataDir))).code).toBe(0), {
      timeout: 20_000,
      interval: 250,
    });
  });
});
