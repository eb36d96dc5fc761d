// A backfill over days the source has no folders for: it completes (nothing is wrong with the store),
// but says which days had no event files, and /coverage tells such a day ("listed, nothing there":
// under emptyDays) from a day no run ever covered (in no list).
import path from "node:path";
import { InProcessSubmitter } from "@ctr/jobs";
import type { Config } from "@ctr/schemas";
import { openStore } from "@ctr/workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp } from "./support/api_server.ts";
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
  purchases: { day: string; orderItems: number; unmapped: number; excluded: number }[];
  emptyDays: { platform: string; day: string; listedAt: string }[];
}

describe("a backfill of days the source has no folders for", () => {
  it("warns, naming the days and platforms, and still exits 0", async () => {
    expect((await runCtr(["backfill", "--from", LOADED, "--to", LOADED])).code).toBe(0);
    const run = await runCtr(["backfill", "--from", EMPTY, "--to", EMPTY]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("NO FILES    3 platform-days had no event files in the source");
    expect(run.stdout).toContain(`  ${EMPTY}: Android, MobileWeb, iOS`);
  });

  it("/coverage lists them under emptyDays, and a day never covered nowhere", async () => {
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
    expect(views).toEqual([{ platform: "iOS", day: LOADED, files: 1, views: 1, status: "complete" }]);
    expect(coverage.emptyDays.map(({ platform, day }) => `${day} ${platform}`)).toEqual([
      `${LOADED} Android`,
      `${LOADED} MobileWeb`,
      `${EMPTY} Android`,
      `${EMPTY} MobileWeb`,
      `${EMPTY} iOS`,
    ]);
    for (const { listedAt } of coverage.emptyDays) expect(Date.parse(listedAt)).not.toBeNaN();
    // Purchases: synced with nothing there (all counts 0); the day never covered is absent.
    expect(coverage.purchases).toMatchObject([
      { day: LOADED, orderItems: 0, unmapped: 0, excluded: 0 },
      { day: EMPTY, orderItems: 0, unmapped: 0, excluded: 0 },
    ]);
  });

  it("POST /jobs/backfill: GET /jobs/:id names them under emptyDays", async () => {
    const store = openStore(config.clickhouse);
    const jobs = new InProcessSubmitter(config, store);
    try {
      const app = createTestApp(store, {}, jobs);
      const submitted = await app.request("/jobs/backfill", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ from: NEVER, to: NEVER, platform: "Android" }),
      });
      expect(submitted.status).toBe(202);
      const { id } = (await submitted.json()) as { id: string };
      await jobs.idle();
      const status = await (await app.request(`/jobs/${encodeURIComponent(id)}`)).json();
      expect(status).toMatchObject({ state: "completed", ok: true, emptyDays: [{ platform: "Android", day: NEVER }] });
    } finally {
      await jobs.idle();
      await store.close();
    }
  });
});
