// Nothing loaded is replaced by less without being asked: a day whose listing is empty, or lacks
// files that were loaded, is refused (exit 1, nothing changed in ClickHouse or the sink) unless
// --allow-empty / "allowEmpty": true says so. Through the CLI and over HTTP, on a local folder.
import { cp, mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { InProcessSubmitter } from "@ctr/jobs";
import { toApiConfig } from "@ctr/query-api";
import { type Config, loadConfig } from "@ctr/schemas";
import { openStore } from "@ctr/workers";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestApp } from "./support/api_server.ts";
import { getJson, restoreEnvironment, sinkFingerprint, useEmbeddedEnvironment, withApi } from "./support/ctr_cli.ts";
import { runCtr as runCtrArgv } from "./support/ctr_in_process.ts";
import { mixedNdjson, oneViewNdjson, removeDir, tempDir, writeFiles } from "./support/ingest_fixtures.ts";

const runCtr = (...argv: string[]) => runCtrArgv(argv);
const DAY = "2016-02-01";
const CTR_QUERY = "/ctr?startTimestamp=2016-01-31%2021:00:00&endTimestamp=2016-02-01%2021:00:00&aggregation=1440";
let dir: string;
let config: Config;

beforeAll(async () => {
  dir = await tempDir("refusal");
  await writeFiles(path.join(dir, "raw"), {
    [`MobileWeb/${DAY}/a.ndjson`]: mixedNdjson(),
    [`MobileWeb/${DAY}/b.ndjson`]: oneViewNdjson(DAY, "P9"),
  });
  await mkdir(path.join(dir, "empty"));
  config = useEmbeddedEnvironment(dir);
});

afterAll(async () => {
  restoreEnvironment();
  await removeDir(dir);
});

/** What a user sees: the day's /ctr rows and the views part of /coverage (load times left out). */
async function whatTheApiShows(): Promise<{ ctr: unknown; coverage: unknown }> {
  return withApi(config, async (server) => {
    const coverage = (await getJson(server, `/coverage?from=${DAY}&to=${DAY}`)) as {
      views: { loadedAt: string; fileList: { loadedAt: string }[] }[];
    };
    return {
      ctr: await getJson(server, CTR_QUERY),
      coverage: coverage.views.map(({ loadedAt: _at, fileList, ...day }) => ({
        ...day,
        fileList: fileList.map(({ loadedAt: _fileAt, ...file }) => file),
      })),
    };
  });
}

const backfill = (...flags: string[]) => runCtr("backfill", "--from", DAY, "--to", DAY, ...flags);

describe("a backfill that would replace a loaded day with less", () => {
  it("is refused for an empty source: exit 1, views, coverage and sink unchanged, rebuild still whole", async () => {
    expect((await backfill()).code).toBe(0);
    const loaded = await whatTheApiShows();
    expect(loaded.coverage).toMatchObject([{ platform: "MobileWeb", files: 2, views: 4, status: "complete" }]);
    const sink = await sinkFingerprint(path.join(dir, "data", "parquet"));
    expect(Object.keys(sink)).toHaveLength(4);

    const refused = await backfill("--source", path.join(dir, "empty"));
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain("REFUSED     1 day left as they were:");
    expect(refused.stdout).toContain(
      `views MobileWeb ${DAY}: the source lists no event files for this day, but 2 files were loaded ` +
        `(MobileWeb/${DAY}/a.ndjson, MobileWeb/${DAY}/b.ndjson); nothing was changed.`,
    );
    expect(refused.stdout).toContain("re-run with --allow-empty");
    expect(await whatTheApiShows()).toEqual(loaded);
    expect(await sinkFingerprint(path.join(dir, "data", "parquet"))).toEqual(sink);

    expect((await runCtr("rebuild")).code).toBe(0);
    expect(await whatTheApiShows()).toEqual(loaded);
  });

  it("is refused when loaded files vanished from the listing, naming them", async () => {
    const loaded = await whatTheApiShows();
    const partial = path.join(dir, "partial");
    await cp(path.join(dir, "raw"), partial, { recursive: true });
    await rm(path.join(partial, `MobileWeb/${DAY}/b.ndjson`));
    const refused = await backfill("--source", partial);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain(
      `views MobileWeb ${DAY}: 1 of the 2 files loaded for this day is missing from the source (MobileWeb/${DAY}/b.ndjson)`,
    );
    expect(await whatTheApiShows()).toEqual(loaded);
  });

  it("empties the day with --allow-empty", async () => {
    const emptied = await backfill("--source", path.join(dir, "empty"), "--allow-empty");
    expect(emptied.code).toBe(0);
    expect(emptied.stdout).not.toContain("REFUSED");
    expect(await whatTheApiShows()).toEqual({ ctr: [], coverage: [] });
    expect(Object.keys(await sinkFingerprint(path.join(dir, "data", "parquet")))).toEqual([]);
    // Loaded again from the real source, for the HTTP tests below.
    expect((await backfill()).code).toBe(0);
  });
});

describe("a rebuild that would replace a loaded day with less", () => {
  const rebuildFrom = (sink: string, ...flags: string[]) =>
    runCtrArgv(["rebuild", "--from", DAY, "--to", DAY, ...flags], {
      ...(process.env as Record<string, string>),
      PARQUET_SINK: sink,
    });

  it("is refused when the sink holds no outputs of the day's loaded files, and empties it with --allow-empty", async () => {
    const loaded = await whatTheApiShows();
    expect(loaded.coverage).toMatchObject([{ platform: "MobileWeb", files: 2, views: 4 }]);
    const emptySink = path.join(dir, "empty-sink");
    await mkdir(emptySink, { recursive: true });

    const refused = await rebuildFrom(emptySink);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain("rebuilt 2 platform-days: 0 views in 0 rows");
    expect(refused.stdout).toContain("REFUSED     1 day left as they were:");
    expect(refused.stdout).toContain(
      `views MobileWeb ${DAY}: the sink holds no outputs for this day, but 2 files were loaded ` +
        `(MobileWeb/${DAY}/a.ndjson, MobileWeb/${DAY}/b.ndjson); nothing was changed. Check PARQUET_SINK`,
    );
    expect(refused.stdout).toContain("re-run with --allow-empty (ctr rebuild)");
    expect(await whatTheApiShows()).toEqual(loaded);

    const emptied = await rebuildFrom(emptySink, "--allow-empty");
    expect(emptied).toMatchObject({ code: 0, stdout: "rebuilt 3 platform-days: 0 views in 0 rows\n" });
    expect(await whatTheApiShows()).toEqual({ ctr: [], coverage: [] });
    // The real sink still holds the day: a rebuild from it brings it back, for the HTTP tests below.
    expect((await runCtr("rebuild", "--from", DAY, "--to", DAY)).code).toBe(0);
    expect(await whatTheApiShows()).toEqual(loaded);
  });
});

describe('POST /jobs/backfill with "allowEmpty"', () => {
  /** The API of a `ctr serve` whose EVENTS_SOURCE is `source`, running backfills in-process. */
  async function serveJobs(source: string, use: (app: ReturnType<typeof createTestApp>) => Promise<void>) {
    const store = openStore(config.clickhouse);
    const jobs = new InProcessSubmitter(loadConfig({ ...process.env, EVENTS_SOURCE: source }), store);
    const app = createTestApp(store, toApiConfig(config), jobs);
    try {
      await use(app);
    } finally {
      await jobs.idle();
      await store.close();
    }
  }

  async function submit(app: ReturnType<typeof createTestApp>, body: Record<string, unknown>) {
    const submitted = await app.request("/jobs/backfill", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    if (submitted.status !== 202) return { code: submitted.status, body: await submitted.json() };
    const { id } = (await submitted.json()) as { id: string };
    const status = await vi.waitFor(
      async () => {
        const body = (await (await app.request(`/jobs/${encodeURIComponent(id)}`)).json()) as Record<string, unknown>;
        expect(body.state, JSON.stringify(body)).toMatch(/^(completed|failed)$/);
        return body;
      },
      { timeout: 60_000, interval: 100 },
    );
    return { code: 202, body: status };
  }

  it("refuses without it, empties with it, and wants a boolean", async () => {
    const loaded = await whatTheApiShows();
    await serveJobs(path.join(dir, "empty"), async (app) => {
      const bad = await submit(app, { from: DAY, to: DAY, allowEmpty: "yes" });
      expect(bad).toMatchObject({ code: 400, body: { error: { code: "invalid_request", field: "allowEmpty" } } });

      const refused = await submit(app, { from: DAY, to: DAY });
      expect(refused.body).toMatchObject({
        state: "completed",
        ok: false,
        failures: [],
        refused: [
          {
            step: `views MobileWeb ${DAY}`,
            missingFiles: [`MobileWeb/${DAY}/a.ndjson`, `MobileWeb/${DAY}/b.ndjson`],
            missingCount: 2,
            message: expect.stringContaining('"allowEmpty": true'),
          },
        ],
      });
    });
    expect(await whatTheApiShows()).toEqual(loaded);

    await serveJobs(path.join(dir, "empty"), async (app) => {
      const allowed = await submit(app, { from: DAY, to: DAY, allowEmpty: true });
      expect(allowed.body).toMatchObject({ state: "completed", ok: true, refused: [], failures: [] });
    });
    expect(await whatTheApiShows()).toEqual({ ctr: [], coverage: [] });
  });
});
