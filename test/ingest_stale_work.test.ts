// A run killed with SIGKILL leaves its shard's work folder (partial Parquet, spill files) under
// CTR_DATA_DIR/tmp; the next run removes what no live process owns, and never a live run's folder.
import { mkdir, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { removeStaleShardDirs } from "@ctr/workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCtr } from "./support/ctr_in_process.ts";
import { startCtr } from "./support/ctr_process.ts";
import { oneViewNdjson, removeDir, tempDir, writeFiles } from "./support/ingest_fixtures.ts";

const DAY = "2016-02-01";
let dir: string;
const env = () => ({ CTR_DATA_DIR: path.join(dir, "data"), WORKER_CONCURRENCY: "1" });
const tmp = () => path.join(dir, "data", "tmp");
const shardDirs = async () => (await readdir(tmp()).catch(() => [] as string[])).filter((n) => n.startsWith("shard-"));

beforeAll(async () => {
  dir = await tempDir("stale-work");
  // Enough views that a backfill is still converting when it is killed.
  const line = oneViewNdjson(DAY, "P1");
  await writeFiles(path.join(dir, "data", "raw"), { [`iOS/${DAY}/big.ndjson`]: line.repeat(400_000) });
});

afterAll(async () => {
  await removeDir(dir);
});

/** Resolves once `check` holds, looking again every 20 ms (a condition, not a time limit). */
async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe("work folders left by a killed run", () => {
  it("are kept while their run lives, and removed by the next run once it is gone", async () => {
    const child = startCtr(["backfill", "--from", DAY, "--to", DAY], env());
    let live: string | undefined;
    try {
      await until(async () => (await shardDirs()).length > 0);
      [live] = await shardDirs();
      // A folder named before folders carried their owner is no live run's.
      await mkdir(path.join(tmp(), "shard-a1B2c3"), { recursive: true });
      await writeFile(path.join(tmp(), "shard-a1B2c3", "part.parquet"), "partial");

      expect(await removeStaleShardDirs(tmp())).toEqual(["shard-a1B2c3"]);
      expect(await shardDirs()).toEqual([live]);
    } finally {
      process.kill(child.pid, "SIGKILL");
    }
    expect((await child.done).code).toBe(null);
    expect(await shardDirs()).toEqual([live]);

    const rerun = await runCtr(["backfill", "--from", DAY, "--to", DAY], env());
    expect(rerun.code, rerun.stdout + rerun.stderr).toBe(0);
    expect(rerun.stdout).toMatch(/^views +400,000$/m);
    expect(await shardDirs()).toEqual([]);
  });
});
