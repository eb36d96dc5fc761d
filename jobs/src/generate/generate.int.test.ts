import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generate } from "./generate.ts";
import type { GenerateReport } from "./report.ts";

/** Every file under a folder with its bytes. */
async function snapshot(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    files.set(path.relative(dir, file), await readFile(file));
  }
  return files;
}

describe("generate", () => {
  let tmp: string;
  let first: GenerateReport;
  const options = { from: "2016-02-01", to: "2016-02-02", scale: 0.01, seed: "7" };

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), "ctr-generate-unit-"));
    first = await generate({ ...options, outDir: path.join(tmp, "a") });
  });

  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it("reports every platform-day and file it wrote, with consistent counts", async () => {
    expect(first.platformDays.map((r) => `${r.platform} ${r.day}`)).toEqual([
      "Android 2016-02-01",
      "MobileWeb 2016-02-01",
      "iOS 2016-02-01",
      "Android 2016-02-02",
      "MobileWeb 2016-02-02",
      "iOS 2016-02-02",
    ]);
    const written = await snapshot(path.join(tmp, "a"));
    for (const r of first.platformDays) {
      expect(r.events).toBe(r.views + r.ignored);
      expect(r.batches).toBeLessThanOrEqual(r.events);
      const bytes = r.files.reduce((n, f) => n + (written.get(path.join(r.platform, r.day, f))?.length ?? 0), 0);
      expect(bytes).toBe(r.bytes);
    }
    expect(written.size).toBe(first.platformDays.reduce((n, r) => n + r.files.length, 0) + 2);
  });

  it("writes byte-identical files for the same options, and replaces its own files on a re-run", async () => {
    const again = await generate({ ...options, outDir: path.join(tmp, "a") });
    await generate({ ...options, outDir: path.join(tmp, "b") });
    expect(again.platformDays).toEqual(first.platformDays);
    expect(await snapshot(path.join(tmp, "b"))).toEqual(await snapshot(path.join(tmp, "a")));
  });

  it("writes other data for another seed", async () => {
    const other = await generate({ ...options, seed: "8", outDir: path.join(tmp, "c") });
    expect(other.platformDays.map((r) => r.views)).not.toEqual(first.platformDays.map((r) => r.views));
  });
});
