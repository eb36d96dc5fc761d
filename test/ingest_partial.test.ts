// A file that cannot be read costs only itself: the rest of its day is loaded, `ctr backfill` exits
// 3 naming it, /coverage shows the day partial with the file and the reason, and `ctr daily` reads
// it again until it is fixed. On a local folder, through the CLI and the API.
import { cp, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { gzipSync } from "node:zlib";
import type { Config } from "@ctr/schemas";
import { fileIdOf, outputKey } from "@ctr/workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getJson, restoreEnvironment, sinkFingerprint, useEmbeddedEnvironment, withApi } from "./support/ctr_cli.ts";
import { runCtr as runCtrArgv } from "./support/ctr_in_process.ts";
import { mixedNdjson, oneViewNdjson, removeDir, tempDir, writeFiles } from "./support/ingest_fixtures.ts";

const runCtr = (...argv: string[]) => runCtrArgv(argv);
const DAY = "2016-02-01";
const CTR_QUERY = "/ctr?startTimestamp=2016-01-31%2021:00:00&endTimestamp=2016-02-01%2021:00:00&aggregation=1440";
let dir: string;
let config: Config;

interface Coverage {
  views: {
    platform: string;
    day: string;
    files: number;
    views: number;
    status: string;
    failedFiles: { file: string; reason: string }[];
    fileList: { file: string; status: string; reason: string }[];
  }[];
}

const raw = (key: string) => path.join(dir, "raw", key);

beforeAll(async () => {
  dir = await tempDir("partial");
  await writeFiles(path.join(dir, "raw"), { [`iOS/${DAY}/good.ndjson`]: mixedNdjson() });
  const whole = gzipSync(oneViewNdjson(DAY, "HALF"));
  await writeFile(raw(`iOS/${DAY}/empty.ndjson.gz`), "");
  await writeFile(raw(`iOS/${DAY}/half.ndjson.gz`), whole.subarray(0, Math.floor(whole.length / 2)));
  await writeFile(raw(`iOS/${DAY}/text.json.gz`), "plain text named .gz");
  config = useEmbeddedEnvironment(dir);
});

afterAll(async () => {
  restoreEnvironment();
  await removeDir(dir);
});

const views = (rows: unknown) => (rows as { productViews: number }[]).reduce((n, r) => n + r.productViews, 0);

describe("a day with files that cannot be read", () => {
  it("is loaded without them: exit 3, the good file's views in /ctr, /coverage partial naming them", async () => {
    const run = await runCtr("backfill", "--from", DAY, "--to", DAY, "--platform", "iOS");
    expect(run.code).toBe(3);
    expect(run.stdout).toContain("files       1 (0.0 MB), 3 failed");
    expect(run.stdout).toContain("PARTIAL     1 platform-day committed without 3 files that could not be read:");
    expect(run.stdout).toMatch(new RegExp(`  iOS/${DAY}/empty\\.ndjson\\.gz: bad gzip data: .+`));
    expect(run.stdout).toMatch(new RegExp(`  iOS/${DAY}/half\\.ndjson\\.gz: bad gzip data: .+`));
    expect(run.stdout).toContain(`  iOS/${DAY}/text.json.gz: bad gzip data: incorrect header check`);

    await withApi(config, async (server) => {
      expect(views(await getJson(server, CTR_QUERY))).toBe(3);
      const coverage = (await getJson(server, `/coverage?from=${DAY}&to=${DAY}`)) as Coverage;
      expect(coverage.views).toHaveLength(1);
      const [day] = coverage.views;
      expect(day).toMatchObject({ platform: "iOS", day: DAY, files: 4, views: 3, status: "partial" });
      expect(day?.failedFiles.map((f) => f.file)).toEqual([
        `iOS/${DAY}/empty.ndjson.gz`,
        `iOS/${DAY}/half.ndjson.gz`,
        `iOS/${DAY}/text.json.gz`,
      ]);
      expect(day?.failedFiles.every((f) => f.reason.startsWith("bad gzip data"))).toBe(true);
      expect(day?.fileList.find((f) => f.file.endsWith("good.ndjson"))).toMatchObject({ status: "loaded", reason: "" });
    });
  });

  it("is read again by ctr daily while the files still fail, and completed once they are fixed", async () => {
    const still = await runCtr("daily", "--date", DAY);
    expect(still.code).toBe(3);
    expect(still.stderr).toContain(`daily ${DAY}: 3 platform-days to commit, 3 new or changed files`);
    // The days are named, before the run and in its summary.
    expect(still.stderr).toContain(`  to commit: ${DAY} (Android, iOS, MobileWeb)\n`);
    expect(still.stdout).toContain(`committed   ${DAY} (Android, iOS, MobileWeb)\n`);

    await writeFile(raw(`iOS/${DAY}/empty.ndjson.gz`), gzipSync(oneViewNdjson(DAY, "EMPTY")));
    await writeFile(raw(`iOS/${DAY}/half.ndjson.gz`), gzipSync(oneViewNdjson(DAY, "HALF")));
    await writeFile(raw(`iOS/${DAY}/text.json.gz`), gzipSync(oneViewNdjson(DAY, "TEXT")));
    const fixed = await runCtr("daily", "--date", DAY);
    expect(fixed.code).toBe(0);
    expect(fixed.stdout).toContain("files read  3 (");
    expect(fixed.stdout).not.toContain("PARTIAL");

    await withApi(config, async (server) => {
      expect(views(await getJson(server, CTR_QUERY))).toBe(6);
      const coverage = (await getJson(server, `/coverage?from=${DAY}&to=${DAY}`)) as Coverage;
      expect(coverage.views).toMatchObject([
        { platform: "iOS", files: 4, views: 6, status: "complete", failedFiles: [] },
      ]);
    });
    // Nothing left to do: the next daily run reads nothing.
    const again = await runCtr("daily", "--date", DAY);
    expect(again).toMatchObject({ code: 0, stderr: expect.stringContaining("0 new or changed files") });
  });

  it("keeps a loaded file's Parquet when it turns unreadable in a refused run, and drops it once allowed", async () => {
    const other = path.join(dir, "other");
    await cp(path.join(dir, "raw"), other, { recursive: true });
    await rm(path.join(other, `iOS/${DAY}/good.ndjson`));
    await writeFile(path.join(other, `iOS/${DAY}/empty.ndjson.gz`), "garbage");
    const sinkDir = path.join(dir, "data", "parquet");
    const before = await sinkFingerprint(sinkDir);
    const viewsOf = (file: string) => outputKey("events", "iOS", DAY, fileIdOf(`iOS/${DAY}/${file}`));
    expect(before[viewsOf("empty.ndjson.gz")]).toBeDefined();

    const refused = await runCtr("backfill", "--from", DAY, "--to", DAY, "--platform", "iOS", "--source", other);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain(`(iOS/${DAY}/good.ndjson); nothing was changed`);
    const kept = await sinkFingerprint(sinkDir);
    expect(kept[viewsOf("empty.ndjson.gz")]).toBe(before[viewsOf("empty.ndjson.gz")]);
    expect(kept[viewsOf("good.ndjson")]).toBe(before[viewsOf("good.ndjson")]);
    await withApi(config, async (server) => expect(views(await getJson(server, CTR_QUERY))).toBe(6));

    const allowed = await runCtr(
      "backfill",
      ...["--from", DAY, "--to", DAY, "--platform", "iOS", "--source", other, "--allow-empty"],
    );
    expect(allowed.code).toBe(3);
    const after = await sinkFingerprint(sinkDir);
    expect(after[viewsOf("empty.ndjson.gz")]).toBeUndefined();
    expect(after[viewsOf("good.ndjson")]).toBeUndefined();
    await withApi(config, async (server) => expect(views(await getJson(server, CTR_QUERY))).toBe(2));
  });
});
