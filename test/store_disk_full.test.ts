/**
 * A disk that fills during the first start's migrations: the embedded store on a real 512 KB tmpfs
 * (mounted here; the tests run as root), most of it taken by a file. The command fails saying the
 * disk is full, not with ClickHouse's "There is no metadata of table"; once the file is removed the
 * next command opens the store and completes it (chDB would otherwise refuse every later start on a
 * table definition the full disk left empty), and `ctr serve` is ready on it.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCtr, startCtrServe } from "./support/ctr_process.ts";

let mountPoint: string;
let mounted = false;

beforeAll(() => {
  mountPoint = mkdtempSync(path.join(os.tmpdir(), "ctr-disk-full-"));
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=512k", "tmpfs", mountPoint]);
  mounted = true;
});

afterAll(() => {
  if (mounted) execFileSync("umount", [mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
});

describe("a disk that fills during the first migrations", () => {
  it("is reported as full, and the store opens and completes once space is freed", async () => {
    const filler = path.join(mountPoint, "filler");
    // 40 KB left: the migrations' first tables fit, the rest do not.
    writeFileSync(filler, Buffer.alloc(472 * 1024));
    const env = { CTR_DATA_DIR: path.join(mountPoint, "data"), LOG_LEVEL: "warn" };
    const full = await runCtr(["migrate"], env);
    expect(full.code).toBe(1);
    expect(full.stderr).toMatch(/the disk holding the embedded store .* is full \(\d+ KB free\)/);

    rmSync(filler);
    const freed = await runCtr(["migrate"], env);
    expect(freed, freed.stderr).toMatchObject({ code: 0 });
    expect(freed.stdout).toContain("applied 0008_store_layout.sql");
    const again = await runCtr(["migrate"], env);
    expect(again).toMatchObject({
      code: 0,
      stdout: "ClickHouse (embedded, database default) is up to date: no migration to apply\n",
    });

    const served = await startCtrServe(env);
    try {
      expect((await fetch(`${served.url}/readyz`)).status).toBe(200);
    } finally {
      expect(await served.stop()).toBe(0);
    }
  });
});
