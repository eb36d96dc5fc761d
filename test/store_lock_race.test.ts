// Two processes racing for one embedded store: the winner has locked <dir>/status but not yet
// written its pid there, so the loser's check before opening finds no holder, and chDB refuses the
// lock itself. The loser still gets the documented refusal (exit code 2, the directory, what to do),
// never chDB's raw "Code: 76. DB::Exception: Cannot lock file". The winner's window is held open
// here by flock(1) on an empty status file: the same lock chDB takes, with no pid written yet. The
// built CLI runs in a child process, so anything chDB prints natively would be seen.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCtr } from "./support/ctr_process.ts";
import { oneViewNdjson, removeDir, tempDir, writeFiles } from "./support/ingest_fixtures.ts";

const DAY = "2016-02-01";
let dir: string;
let holder: ChildProcess | undefined;

/**
 * Holds an exclusive flock on `file` until its process group is killed (flock and the sleep it runs,
 * which inherits the lock); resolves once the lock is taken.
 */
async function holdLock(file: string): Promise<ChildProcess> {
  const child = spawn("flock", ["--exclusive", file, "sh", "-c", "echo locked; exec sleep 600"], {
    stdio: ["ignore", "pipe", "inherit"],
    detached: true,
  });
  await new Promise<void>((resolve, reject) => {
    child.once("error", reject);
    child.stdout?.once("data", () => resolve());
  });
  return child;
}

beforeAll(async () => {
  dir = await tempDir("store-lock-race");
  await writeFiles(path.join(dir, "raw"), { [`iOS/${DAY}/a.ndjson`]: oneViewNdjson(DAY, "P1") });
  const storeDir = path.join(dir, "data", "clickhouse");
  await mkdir(storeDir, { recursive: true });
  await writeFile(path.join(storeDir, "status"), "");
  holder = await holdLock(path.join(storeDir, "status"));
});
afterAll(async () => {
  if (holder?.pid !== undefined && holder.exitCode === null) {
    const exited = new Promise((resolve) => holder?.once("exit", resolve));
    process.kill(-holder.pid, "SIGTERM");
    await exited;
  }
  await removeDir(dir);
});

const env = () => ({
  CTR_DATA_DIR: path.join(dir, "data"),
  EVENTS_SOURCE: path.join(dir, "raw"),
  WORKER_CONCURRENCY: "1",
});

describe("a store locked by a process that has not written its pid yet", () => {
  it.each([
    ["ctr backfill", ["backfill", "--from", DAY, "--to", DAY]],
    ["ctr migrate", ["migrate"]],
    ["ctr status", ["status"]],
  ])("%s exits 2 with the documented message, not chDB's", async (_name, argv) => {
    const run = await runCtr(argv, env());
    expect(run.stderr).not.toMatch(/Cannot lock file|DB::Exception|Code: 76/);
    expect(run.stderr).toContain(
      `the embedded ClickHouse store ${path.join(dir, "data", "clickhouse")} is in use by process ${holder?.pid} (flock`,
    );
    // The holder is no ctr serve: the hint is to wait, not an API to post to.
    expect(run.stderr).toContain("Wait for it to finish");
    expect(run.code).toBe(2);
  });
});
