// A backfill over days the source has no folders for: it completes (nothing is wrong with the store),
// but says which days had no event files, and /coverage tells such a day ("listed, nothing there":
// status "empty") from a day no run ever covered (absent).
import path from "node:path";
import type { Config } from "@ctr/schemas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getJson, restoreEnvironment, useEmbeddedEnvironment, withApi } from "./support/ctr_cli.ts";
import { runCtr } from "./support/ctr_in_process.ts";
import { oneViewNdjson, removeDir, tempDir, writeFiles } from "./support/ingest_fixtures.ts";

const LOADED = "2017-02-28";
const EMPTY = "2017-03-01";
const NEVER = "2017-03-02";
let dir: string;
let config: Config;

beforeAll(async () => {
  dir = await tempDir("empty-range");
  await writeFiles(path.join(dir, "raw"), { [`iOS/${LOADED}/a.ndjson`]: oneViewNdjson(LOADED, "P1") });
  config = useEmbeddedEnvironment(dir);
});
afterAll(async () => {
  restoreEnvironment();
  await removeDir(dir);
});

interface CoverageBody {
  views: { platform: string; day: string; files: number; views: number; status: string }[];
  purchases: { day: string; orderItems: number; status: string }[];
}

describe("a backfill of days the source has no folders for", () => {
  it("warns, naming the days and platforms, and still exits 0", async () => {
    expect((await runCtr(["backfill", "--from", LOADED, "--to", LOADED])).code).toBe(0);
    const run = await runCtr(["backfill", "--from", EMPTY, "--to", EMPTY]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("NO FILES    3 platform-days had no event files in the source");
    expect(run.stdout).toContain(`  ${EMPTY}: Android, MobileWeb, iOS`);
  });

  it("/coverage lists them as empty, and a day never covered not at all", async () => {
    const coverage = await withApi(
      config,
      async (server) => (await getJson(server, `/coverage?from=${LOADED}&to=${NEVER}`)) as CoverageBody,
    );
    const views = coverage.views.map(({ platform, day, files, views, status }) => ({
      platform,
      day,
      files,
      views,
      status,
    }));
    expect(views).toEqual([
      { platform: "Android", day: LOADED, files: 0, views: 0, status: "empty" },
      { platform: "MobileWeb", day: LOADED, files: 0, views: 0, status: "empty" },
      { platform: "iOS", day: LOADED, files: 1, views: 1, status: "complete" },
      { platform: "Android", day: EMPTY, files: 0, views: 0, status: "empty" },
      { platform: "MobileWeb", day: EMPTY, files: 0, views: 0, status: "empty" },
      { platform: "iOS", day: EMPTY, files: 0, views: 0, status: "empty" },
    ]);
    expect(coverage.purchases.map(({ day, orderItems, status }) => ({ day, orderItems, status }))).toEqual([
      { day: LOADED, orderItems: 0, status: "empty" },
      { day: EMPTY, orderItems: 0, status: "empty" },
    ]);
  });
});
