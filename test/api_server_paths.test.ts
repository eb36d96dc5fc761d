/**
 * No answer carries a server path or a secret: every operation the API describes is called, with
 * good and bad input, over a store whose records name the server's folders (a file that could not
 * be read, a backfill whose source folder is missing), and no body may hold the data folder, another
 * absolute path of the server or a URL's password.
 */
import path from "node:path";
import { InProcessSubmitter } from "@ctr/jobs";
import { type RunningServer, startServer, toApiConfig } from "@ctr/query-api";
import { loadConfig, type Store } from "@ctr/schemas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, insertFileRecords, insertViews, openTestStore, truncateTables } from "./support/api_server.ts";
import { removeDir, tempDir } from "./support/ingest_fixtures.ts";

interface OpenApiDocument {
  paths: Record<string, Record<string, unknown>>;
}

const DAY = "2016-03-10";
const OUTSIDE_PATH = "/var/lib/ctr-spool/other.ndjson";
const PASSWORD = "hunter2-secret";

let store: Store;
let closeStore: () => Promise<void>;
let dir: string;
let source: string;
let jobs: InProcessSubmitter;
let server: RunningServer;

beforeAll(async () => {
  ({ store, close: closeStore } = await openTestStore());
  await truncateTables(store);
  dir = await tempDir("api-server-paths");
  source = path.join(dir, "events");
  await insertViews(store, [{ at: `${DAY} 10:00`, platform: "iOS", product: "A1", count: 3 }]);
  const failed = (name: string, reason: string) => ({
    ...{ day: DAY, platform: "iOS" as const, file: `iOS/${DAY}/${name}`, views: 0, status: "failed" as const, reason },
  });
  await insertFileRecords(store, [
    failed("zz_locked.ndjson", `open '${source}/iOS/${DAY}/zz_locked.ndjson': permission denied`),
    failed("other.ndjson", `read ${OUTSIDE_PATH} failed (EIO) at ${dir}/tmp/shard-1`),
    failed("remote.ndjson", `GET http://ctr:${PASSWORD}@minio:9000/lake/x refused`),
  ]);
  // No source folder: a submitted backfill fails at once, and its failure names the folder.
  const config = loadConfig({ CTR_DATA_DIR: dir, EVENTS_SOURCE: source });
  jobs = new InProcessSubmitter(config, store);
  server = await startServer(createTestApp(store, toApiConfig(config), jobs), {
    port: 0,
    hostname: "127.0.0.1",
    drainMs: 1_000,
  });
});
afterAll(async () => {
  await jobs?.idle();
  await server?.close();
  await closeStore?.();
  if (dir) await removeDir(dir);
});

/** What a body must not hold. */
function leaks(body: string): string[] {
  return [dir, source, OUTSIDE_PATH, "/var/lib", PASSWORD].filter((text) => body.includes(text));
}

async function send(method: string, url: string, body?: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`${server.url}${url}`, {
    method,
    ...(body === undefined ? {} : { headers: { "Content-Type": "application/json" }, body }),
  });
  return { status: response.status, text: await response.text() };
}

describe("no answer carries a server path or a secret", () => {
  it("/coverage names a file's reason by the variable of its folder, other paths by their last segment", async () => {
    const { status, text } = await send("GET", `/coverage?from=${DAY}&to=${DAY}`);
    expect(status).toBe(200);
    expect(leaks(text)).toEqual([]);
    const coverage = JSON.parse(text) as {
      views: { failedFiles: { file: string; reason: string }[]; fileList: { reason: string }[] }[];
    };
    const [day] = coverage.views;
    expect(day?.failedFiles.map((f) => f.reason)).toEqual([
      "read …/other.ndjson failed (EIO) at $CTR_DATA_DIR/tmp/shard-1",
      "GET http://minio:9000/lake/x refused",
      `open '$EVENTS_SOURCE/iOS/${DAY}/zz_locked.ndjson': permission denied`,
    ]);
    expect(day?.fileList.map((f) => f.reason)).toEqual(day?.failedFiles.map((f) => f.reason));
  });

  it("/jobs/{id} names the missing source folder by its variable", async () => {
    const submitted = await send("POST", "/jobs/backfill", JSON.stringify({ from: DAY, to: DAY }));
    expect(submitted.status).toBe(202);
    await jobs.idle();
    const { status: statusPath } = JSON.parse(submitted.text) as { status: string };
    const { status, text } = await send("GET", statusPath);
    expect(status).toBe(200);
    expect(text).toContain("$EVENTS_SOURCE");
    expect(leaks(text)).toEqual([]);
  });

  it("holds for every documented operation, with good and bad input, and for unknown routes", async () => {
    const document = JSON.parse((await send("GET", "/openapi.json")).text) as OpenApiDocument;
    const range = `startTimestamp=${DAY}%2000:00:00&endTimestamp=${DAY}%2012:00:00&aggregation=60`;
    const requests: [string, string, string?][] = [
      ["GET", "/no/such/route"],
      ["GET", `/ctr?${range}`],
      ["GET", `/ctr?${range}&product=${encodeURIComponent(source)}`],
      ["POST", "/ctr", "{not json"],
      ["POST", "/jobs/backfill", JSON.stringify({ from: DAY, to: DAY, source })],
    ];
    for (const [route, methods] of Object.entries(document.paths)) {
      const url = route.replaceAll(/\{\w+\}/g, "x");
      for (const method of Object.keys(methods).map((m) => m.toUpperCase())) {
        requests.push([method, url], [method, `${url}?from=${DAY}&to=${DAY}`], [method, `${url}?bogus=${DAY}`]);
        if (method === "POST") requests.push([method, url, "{}"], [method, url, JSON.stringify({ from: DAY })]);
      }
    }
    const leaked: string[] = [];
    for (const [method, url, body] of requests) {
      const answer = await send(method, url, body);
      // The client's own input may come back in a message; the server's paths may not.
      const found = leaks(answer.text).filter((text) => !decodeURIComponent(url + (body ?? "")).includes(text));
      if (found.length > 0) leaked.push(`${method} ${url} ${answer.status}: ${found.join(", ")}`);
    }
    expect(leaked).toEqual([]);
    expect(requests.length).toBeGreaterThan(30);
  });
});
