// A job ctr serve ran is in the store's job history: after the server restarts (a new process, so a
// new job system with nothing in memory), GET /jobs/:id answers from that history, as `ctr status` does.
import path from "node:path";
import { InProcessSubmitter } from "@ctr/jobs";
import type { RunningServer } from "@ctr/query-api";
import { loadConfig, type Store } from "@ctr/schemas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestStore, serveApi } from "./support/api_server.ts";
import { oneViewNdjson, removeDir, tempDir, writeFiles } from "./support/ingest_fixtures.ts";

const DAY = "2016-02-01";
let dir: string;
let store: Store;
let closeStore: () => Promise<void>;

beforeAll(async () => {
  dir = await tempDir("jobs-history");
  await writeFiles(path.join(dir, "raw"), { [`iOS/${DAY}/a.ndjson`]: oneViewNdjson(DAY, "P1") });
  ({ store, close: closeStore } = await openTestStore());
});
afterAll(async () => {
  await closeStore?.();
  await removeDir(dir);
});

/** A `ctr serve` on the store: a fresh job system, as a restarted process has. */
async function withServer<T>(body: (server: RunningServer, jobs: InProcessSubmitter) => Promise<T>): Promise<T> {
  const config = loadConfig({ CTR_DATA_DIR: dir, EVENTS_SOURCE: path.join(dir, "raw") });
  const jobs = new InProcessSubmitter(config, store);
  const server = await serveApi(store, {}, jobs);
  try {
    return await body(server, jobs);
  } finally {
    await jobs.idle();
    await server.close();
  }
}

describe("GET /jobs/:id after ctr serve restarts", () => {
  it("answers a job the previous process ran from the store's job history", async () => {
    const { id, before } = await withServer(async (server, jobs) => {
      const submitted = await fetch(`${server.url}/jobs/backfill`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ from: DAY, to: DAY, platform: "iOS" }),
      });
      expect(submitted.status).toBe(202);
      const { id } = (await submitted.json()) as { id: string };
      await jobs.idle();
      return { id, before: await (await fetch(`${server.url}/jobs/${encodeURIComponent(id)}`)).json() };
    });
    expect(before).toMatchObject({ state: "completed", ok: true, counts: { views: 1, committedDays: 1 } });

    const after = await withServer(async (server) => fetch(`${server.url}/jobs/${encodeURIComponent(id)}`));
    expect(after.status).toBe(200);
    expect(await after.json()).toMatchObject({
      id,
      name: "backfill",
      state: "completed",
      ok: true,
      counts: { files: 1, views: 1, committedDays: 1 },
    });
  });

  it("still answers 404 for a job no process ever ran", async () => {
    const response = await withServer(async (server) =>
      fetch(`${server.url}/jobs/backfill.2000-01-01.2000-01-01.iOS.0`),
    );
    expect(response.status).toBe(404);
  });
});
