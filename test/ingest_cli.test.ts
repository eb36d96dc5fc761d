import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCtr } from "./support/ctr_in_process.ts";
import { allShapes, removeDir, tempDir, writeFiles } from "./support/ingest_fixtures.ts";

let dir: string;
const saved = { ...process.env };

beforeAll(async () => {
  dir = await tempDir("ingest-cli");
  await writeFiles(path.join(dir, "raw"), allShapes("Android", "2016-02-01"));
  process.env.CTR_DATA_DIR = dir;
  process.env.WORKER_CONCURRENCY = "2";
  // The embedded defaults under CTR_DATA_DIR, whatever the surrounding environment holds.
  for (const variable of ["REDIS_URL", "CLICKHOUSE_URL", "EVENTS_SOURCE", "PARQUET_SINK"]) delete process.env[variable];
});

afterAll(async () => {
  process.env = saved;
  await removeDir(dir);
});

const ctr = (...argv: string[]) => runCtr(argv);

describe("ctr backfill and ctr rebuild", () => {
  it("refuses bad flags with exit code 2, naming the flag", async () => {
    expect(await ctr("backfill", "--from", "2016-02-01")).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("--to is required"),
    });
    expect(await ctr("backfill", "--from", "2016-02-30", "--to", "2016-03-01")).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("--from wants a day"),
    });
    expect(await ctr("backfill", "--from", "2016-02-02", "--to", "2016-02-01")).toMatchObject({ code: 2 });
    expect(await ctr("backfill", "--from", "2016-02-01", "--to", "2016-02-01", "--platform", "Windows")).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("--platform wants one of Android, MobileWeb, iOS"),
    });
    expect(await ctr("backfill", "--from", "2016-02-01", "--to", "2016-02-01", "--source", "ftp://x/y")).toMatchObject({
      code: 2,
    });
    expect(await ctr("rebuild", "--from", "2016-02-01")).toMatchObject({ code: 2 });
  });

  it("caps a range at the API's 3,660 days, naming --from/--to and the cap", async () => {
    const wide = await ctr("backfill", "--from", "1900-01-01", "--to", "2100-12-31");
    expect(wide.code).toBe(2);
    expect(wide.stderr).toContain(
      "--from 1900-01-01 --to 2100-12-31 covers 73,414 days; one run may cover at most 3,660",
    );
    expect(await ctr("rebuild", "--from", "1900-01-01", "--to", "2100-12-31")).toMatchObject({ code: 2 });
    expect((await ctr("backfill", "--from", "2016-01-01", "--to", "2026-01-08")).code).toBe(2);
  });

  it("names --allow-empty and the exit codes in --help", async () => {
    for (const command of ["backfill", "daily"]) {
      const help = await ctr(command, "--help");
      expect(help.stdout).toContain("--allow-empty");
      expect(help.stdout).toMatch(/3 done, but some\s+platform-days are partial/);
    }
  });

  it("prints the summary with malformed locations and exits 0", async () => {
    const run = await ctr("backfill", "--from", "2016-02-01", "--to", "2016-02-01", "--platform", "android");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("files       6");
    expect(run.stdout).toContain("views       14");
    expect(run.stdout).toContain("ignored     8");
    expect(run.stdout).toContain("malformed   16");
    expect(run.stdout).toContain("Android/2016-02-01/mixed.ndjson line 5: not an event batch");
    expect(run.stdout).toContain("rows written 3 view rows (1 platform-day)");
    expect(run.stderr).toMatch(/progress: files 6\/6/);
    expect(run.stderr).toContain("listing Android 2016-02-01 … 1/1 day folders");
  });

  it("rebuilds ClickHouse from the sink", async () => {
    const run = await ctr("rebuild");
    expect(run, run.stderr).toMatchObject({ code: 0, stdout: "rebuilt 1 platform-day: 14 views in 3 rows\n" });
  });

  it("exits 3 and names the file that cannot be read, loading the rest of its day", async () => {
    await writeFile(path.join(dir, "raw/Android/2016-02-01/zz.json.gz"), "not gzip");
    const run = await ctr("backfill", "--from", "2016-02-01", "--to", "2016-02-01", "--platform", "Android");
    expect(run.code).toBe(3);
    expect(run.stdout).toContain("views       14");
    expect(run.stdout).toMatch(/PARTIAL {5}1 platform-day committed without 1 file that could not be read/);
    expect(run.stdout).toContain("  Android/2016-02-01/zz.json.gz: bad gzip data: incorrect header check");
  });

  it("stops at an unreachable orders database with one line naming it, exit 1, and records no run", async () => {
    const url = "postgres://postgres@127.0.0.1:1/ctr";
    const run = await runCtr(["backfill", "--from", "2016-02-01", "--to", "2016-02-01"], {
      CTR_DATA_DIR: dir,
      WORKER_CONCURRENCY: "2",
      ORDERS_DATABASE_URL: url,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`ctr backfill: cannot reach the orders database ${url}: connect ECONNREFUSED`);
    // One reason, not one line per commit and purchase sync that could not run.
    expect(run.stdout).not.toContain("FAILED");
    expect(run.stderr.match(/cannot reach the orders database/g)).toHaveLength(1);
  });
});

describe("ctr status without Redis", () => {
  it("lists the runs the store recorded, newest first, and shows the partial one with its file and exit code 3", async () => {
    const recent = await ctr("status");
    expect(recent.code).toBe(0);
    const lines = recent.stdout.trim().split("\n");
    // The two backfills above: the partial one ran last, so it is listed first.
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^backfill\.2016-02-01\.2016-02-01\.Android\.[0-9a-f]{12} {2}completed, partial {2}.* 14 views/,
    );
    expect(lines[1]).toMatch(
      /^backfill\.2016-02-01\.2016-02-01\.Android\.[0-9a-f]{12} {2}completed {2}files 6\/6 .* 14 views/,
    );
    const id = lines[0]?.split(" ")[0] ?? "";
    const one = await ctr("status", id);
    // The latest run of that job left a file unread: exit code 3, the file and its reason named.
    expect(one.code).toBe(3);
    expect(one.stdout).toContain("  PARTIAL Android 2016-02-01: Android/2016-02-01/zz.json.gz: bad gzip data");
    // And it names the platform-days it committed.
    expect(one.stdout).toContain("  committed 2016-02-01 (Android)\n");
  });

  it("says so, with exit code 1, for a job it never ran", async () => {
    const run = await ctr("status", "backfill.nope");
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("no job backfill.nope in the job history of the store");
  });
});
