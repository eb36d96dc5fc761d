// `ctr backfill --no-wait` and `ctr status` as a user runs them: the real CLI against real Redis.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deleteQueueKeys, REDIS_URL, uniquePrefix } from "./support/distributed_support.ts";
import { REPO_ROOT, removeDir, tempDir, writeFiles } from "./support/ingest_fixtures.ts";
import { needs } from "./support/services.ts";

const DAY = "2016-02-01";
const prefix = uniquePrefix("cli");
let dir: string;
let env: Record<string, string>;

/** Runs `node jobs/bin/ctr.js ARGS` and returns its exit code and output, failing or not. */
async function ctr(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ["jobs/bin/ctr.js", ...args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? "", ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

beforeAll(async () => {
  dir = await tempDir("cli");
  await writeFiles(path.join(dir, "raw"), { [`iOS/${DAY}/a.ndjson`]: '{"events":[]}\n' });
  env = { CTR_DATA_DIR: path.join(dir, "data"), EVENTS_SOURCE: path.join(dir, "raw"), REDIS_URL, QUEUE_PREFIX: prefix };
});

afterAll(async () => {
  await deleteQueueKeys(prefix);
  await removeDir(dir);
});

describe("ctr backfill --no-wait and ctr status", needs("redis"), () => {
  it("prints the job id and returns; status shows the job, the same id on resubmission", async () => {
    const submitted = await ctr(["backfill", "--from", DAY, "--to", DAY, "--platform", "iOS", "--no-wait"]);
    expect(submitted.code).toBe(0);
    const id = submitted.stdout.trim();
    expect(id).toMatch(/^backfill\.2016-02-01\.2016-02-01\.iOS\.[0-9a-f]{20}$/);
    expect(submitted.stderr).toContain("ClickHouse is embedded");

    const again = await ctr(["backfill", "--from", DAY, "--to", DAY, "--platform", "iOS", "--no-wait"]);
    expect(again.stdout.trim()).toBe(id);

    // Nobody consumes the store queue (no process owns chDB here): the flow waits on its commit.
    const one = await ctr(["status", id]);
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(new RegExp(`^${id.replaceAll(".", "\\.")}  (waiting|active)  files \\d/1`));
    const recent = await ctr(["status"]);
    expect(recent.stdout).toContain(id);

    const unknown = await ctr(["status", "backfill.nope"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("no job backfill.nope");
  });
});

describe("ctr worker and ctr status without a reachable Redis", () => {
  it("refuses ctr worker without REDIS_URL, naming the variable", async () => {
    const saved = env;
    env = { CTR_DATA_DIR: path.join(dir, "data") };
    try {
      const result = await ctr(["worker"]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("REDIS_URL");
    } finally {
      env = saved;
    }
  });

  it("ctr worker with REDIS_URL at a closed port fails at once like ctr status: exit 1, naming REDIS_URL", async () => {
    const saved = env;
    env = { CTR_DATA_DIR: path.join(dir, "data"), REDIS_URL: "redis://127.0.0.1:1" };
    try {
      for (const command of ["worker", "status"]) {
        const result = await ctr([command]);
        expect({ command, code: result.code }).toEqual({ command, code: 1 });
        expect(result.stderr).toBe(
          `ctr ${command}: cannot reach Redis at 127.0.0.1:1 (REDIS_URL): connect ECONNREFUSED 127.0.0.1:1\n`,
        );
        expect(result.stdout).toBe("");
      }
    } finally {
      env = saved;
    }
  });

  it("refuses ctr worker with CLICKHOUSE_URL but no ORDERS_DATABASE_URL: its purchase syncs would read an empty SQLite", async () => {
    const saved = env;
    // Nothing listens on port 1: the worker must refuse before it connects to anything.
    env = { ...saved, CLICKHOUSE_URL: "http://127.0.0.1:1" };
    try {
      const result = await ctr(["worker"]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^ctr worker: configuration error: ORDERS_DATABASE_URL: /);
      expect(result.stderr).toContain("set ORDERS_DATABASE_URL");
      expect(result.stdout).toBe("");
    } finally {
      env = saved;
    }
  });
});
