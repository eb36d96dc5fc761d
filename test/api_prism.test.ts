/**
 * /openapi.json checked by a third-party validator: Stoplight Prism's validating proxy
 * (`prism proxy openapi.json <api> --errors`) stands between the client and a running API, and every
 * request and answer goes through it: the /ctr formats (JSON, NDJSON, CSV, Arrow), /ctr/totals and
 * /ctr/top, errors, /coverage,
 * /products, /jobs, the probes and the pages. A request or answer the document does not describe
 * comes back from the proxy as its own error, and a softer mismatch as an `sl-violations` header.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { InProcessSubmitter } from "@ctr/jobs";
import { type RunningServer, startServer, toApiConfig } from "@ctr/query-api";
import { loadConfig, type Store } from "@ctr/schemas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTestApp,
  insertFileRecords,
  insertPurchases,
  insertViews,
  openTestStore,
  truncateTables,
} from "./support/api_server.ts";
import { freePort } from "./support/free_port.ts";
import { removeDir, tempDir } from "./support/ingest_fixtures.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const PRISM = path.join(ROOT, "node_modules", ".bin", "prism");

let store: Store;
let closeStore: () => Promise<void>;
let dir: string;
let jobs: InProcessSubmitter;
let server: RunningServer;
let prism: ChildProcess | undefined;
let proxy = "";
let prismLog = "";

beforeAll(async () => {
  ({ store, close: closeStore } = await openTestStore());
  await truncateTables(store);
  await insertViews(store, [
    { at: "2016-02-01 10:00", platform: "iOS", product: "A1", count: 3 },
    { at: "2016-02-01 10:05", platform: "Android", product: "B2", count: 2 },
  ]);
  await insertPurchases(store, [{ at: "2016-02-01 10:01", platform: "iOS", product: "A1", count: 1 }]);
  await insertFileRecords(store, [{ day: "2016-02-01", platform: "iOS", file: "iOS/2016-02-01/a.json" }]);
  dir = await tempDir("api-prism");
  const config = loadConfig({ CTR_DATA_DIR: dir, EVENTS_SOURCE: path.join(dir, "missing-source") });
  jobs = new InProcessSubmitter(config, store);
  server = await startServer(createTestApp(store, toApiConfig(config), jobs), {
    port: 0,
    hostname: "127.0.0.1",
    drainMs: 1_000,
  });
  const document = path.join(dir, "openapi.json");
  await writeFile(document, await (await fetch(`${server.url}/openapi.json`)).text());
  const port = await freePort();
  proxy = `http://127.0.0.1:${port}`;
  prism = spawn(PRISM, ["proxy", document, server.url, "--errors", "--host", "127.0.0.1", "--port", String(port)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  await new Promise<void>((resolve, reject) => {
    const read = (chunk: Buffer) => {
      prismLog += chunk.toString();
      if (/Prism is listening/.test(prismLog)) resolve();
    };
    prism?.stdout?.on("data", read);
    prism?.stderr?.on("data", read);
    prism?.once("exit", (code) => reject(new Error(`prism exited (${code}) before listening:\n${prismLog}`)));
  });
});
afterAll(async () => {
  prism?.kill("SIGTERM");
  await jobs?.idle();
  await server?.close();
  await closeStore?.();
  if (dir) await removeDir(dir);
});

interface Exchange {
  method?: "GET" | "POST";
  path: string;
  accept?: string;
  body?: unknown;
  status: number;
}

/** Sends a request through the proxy; the proxy must pass it and its answer without a violation. */
async function throughPrism({ method = "GET", path: url, accept, body, status }: Exchange): Promise<string> {
  const headers: Record<string, string> = accept ? { Accept: accept } : {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(`${proxy}${url}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  const what = `${method} ${url} (${accept ?? "default"}): ${text.slice(0, 600)}`;
  expect(response.headers.get("sl-violations"), what).toBeNull();
  expect(response.status, what).toBe(status);
  return text;
}

const RANGE = "startTimestamp=2016-02-01%2010:00:00&endTimestamp=2016-02-01%2011:00:00&aggregation=60";

describe("the API through Prism's validating proxy", () => {
  it("/ctr in every format, GET and POST", async () => {
    expect(JSON.parse(await throughPrism({ path: `/ctr?${RANGE}`, status: 200 }))).toHaveLength(2);
    const ndjson = await throughPrism({ path: `/ctr?${RANGE}`, accept: "application/x-ndjson", status: 200 });
    expect(ndjson.trim().split("\n")).toHaveLength(2);
    await throughPrism({ path: `/ctr?${RANGE}&product=A1`, accept: "application/x-ndjson", status: 200 });
    await throughPrism({ path: `/ctr?${RANGE}&product=none`, accept: "application/x-ndjson", status: 200 });
    await throughPrism({ path: `/ctr?${RANGE}`, accept: "text/csv", status: 200 });
    await throughPrism({ path: `/ctr?${RANGE}`, accept: "application/vnd.apache.arrow.stream", status: 200 });
    const body = { startTimestamp: "2016-02-01 10:00:00", endTimestamp: "2016-02-01 11:00:00", aggregation: 60 };
    await throughPrism({ method: "POST", path: "/ctr", body, status: 200 });
    await throughPrism({ method: "POST", path: "/ctr", body, accept: "application/x-ndjson", status: 200 });
  });

  it("/ctr/totals and /ctr/top, JSON and NDJSON", async () => {
    const top = "startTimestamp=2016-02-01%2000:00:00&endTimestamp=2016-02-02%2000:00:00&by=views&limit=5";
    for (const accept of ["application/json", "application/x-ndjson", "text/csv"]) {
      await throughPrism({ path: `/ctr/totals?${RANGE}`, accept, status: 200 });
      await throughPrism({ path: `/ctr/top?${top}`, accept, status: 200 });
    }
  });

  it("errors the API finds in requests the document allows", async () => {
    // (A request the document itself refuses never reaches the API: Prism answers it.)
    const backwards = "startTimestamp=2016-02-01%2011:00:00&endTimestamp=2016-02-01%2010:00:00&aggregation=60";
    await throughPrism({ path: `/ctr?${backwards}`, status: 400 });
    await throughPrism({ path: `/ctr?${backwards}`, accept: "application/x-ndjson", status: 400 });
    await throughPrism({ path: `/ctr?${RANGE}&platform=Windows`, status: 400 });
    await throughPrism({ path: "/coverage?from=2016-02-02&to=2016-02-01", status: 400 });
    await throughPrism({ path: "/jobs/no-such-job", status: 404 });
    await throughPrism({ path: "/no-such-route", status: 404 });
  });

  it("/coverage, /products, /jobs, the probes and the pages", async () => {
    await throughPrism({ path: "/coverage", status: 200 });
    await throughPrism({ path: "/coverage?from=2016-02-01&to=2016-02-01&platform=iOS", status: 200 });
    await throughPrism({ path: "/products?prefix=A", status: 200 });
    const submitted = JSON.parse(
      await throughPrism({
        method: "POST",
        path: "/jobs/backfill",
        body: { from: "2016-02-01", to: "2016-02-01" },
        status: 202,
      }),
    ) as { status: string };
    await jobs.idle();
    await throughPrism({ path: submitted.status, status: 200 });
    for (const probe of ["/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/"]) {
      await throughPrism({ path: probe, status: 200 });
    }
  });
});
