// Symbolic links in a source folder, as `ctr backfill` and the API see them: followed only inside
// the source, a file reached twice counted once, links leading out (/etc/passwd), dangling links
// and loops skipped and counted among the skipped objects.
import { symlink } from "node:fs/promises";
import path from "node:path";
import type { Config } from "@ctr/schemas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getJson, restoreEnvironment, useEmbeddedEnvironment, withApi } from "./support/ctr_cli.ts";
import { runCtr as runCtrArgv } from "./support/ctr_in_process.ts";
import { mixedNdjson, removeDir, tempDir, writeFiles } from "./support/ingest_fixtures.ts";

const runCtr = (...argv: string[]) => runCtrArgv(argv);
const DAY = "2016-02-01";
let dir: string;
let config: Config;

beforeAll(async () => {
  dir = await tempDir("symlinks");
  const raw = path.join(dir, "raw");
  await writeFiles(raw, { [`iOS/${DAY}/a.ndjson`]: mixedNdjson() });
  const day = path.join(raw, "iOS", DAY);
  await symlink("a.ndjson", path.join(day, "copy.ndjson"));
  await symlink("/etc/passwd", path.join(day, "x.json"));
  await symlink(path.join(dir, "nowhere.json"), path.join(day, "dangling.json"));
  await symlink(path.join(raw, "iOS"), path.join(day, "loop"));
  // A day folder linked to another: its files are that day's, counted there.
  await symlink(DAY, path.join(raw, "iOS", "2016-02-02"));
  config = useEmbeddedEnvironment(dir);
});

afterAll(async () => {
  restoreEnvironment();
  await removeDir(dir);
});

describe("symbolic links in the source", () => {
  it("count a file once and never read outside the source", async () => {
    const run = await runCtr("backfill", "--from", DAY, "--to", "2016-02-02", "--platform", "iOS");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("files       1 (0.0 MB), 9 other objects skipped");
    expect(run.stdout).toContain("views       3\n");
    expect(run.stdout).not.toContain("root:");
    await withApi(config, async (server) => {
      const coverage = (await getJson(server, `/coverage?from=${DAY}&to=2016-02-02`)) as {
        views: { day: string; fileList: { file: string }[] }[];
      };
      expect(coverage.views.map((d) => [d.day, d.fileList.map((f) => f.file)])).toEqual([
        [DAY, [`iOS/${DAY}/a.ndjson`]],
      ]);
    });
  });
});
