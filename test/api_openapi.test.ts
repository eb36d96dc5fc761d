/**
 * /openapi.json against the app that serves it: every route served is described and every described
 * operation served, and real answers (successes and errors) match the schemas the document publishes.
 * The document's JSON Schemas are read back with zod's fromJSONSchema, so what is checked is the
 * published text, not the zod schemas it was generated from.
 */
import path from "node:path";
import { InProcessSubmitter } from "@ctr/jobs";
import { type RunningServer, startServer, toApiConfig } from "@ctr/query-api";
import { loadConfig, type Store } from "@ctr/schemas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createTestApp, insertFileRecords, insertViews, openTestStore, truncateTables } from "./support/api_server.ts";
import { removeDir, tempDir } from "./support/ingest_fixtures.ts";

interface Operation {
  operationId: string;
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}
interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
}

let store: Store;
let closeStore: () => Promise<void>;
let dir: string;
let jobs: InProcessSubmitter;
let app: ReturnType<typeof createTestApp>;
let server: RunningServer;
let document: OpenApiDocument;

beforeAll(async () => {
  ({ store, close: closeStore } = await openTestStore());
  await truncateTables(store);
  await insertViews(store, [{ at: "2016-02-01 10:00", platform: "iOS", product: "A1", count: 3 }]);
  await insertFileRecords(store, [{ day: "2016-02-01", platform: "iOS", file: "iOS/2016-02-01/a.json" }]);
  await store.client.insert({
    table: "purchase_syncs_v1",
    format: "JSONEachRow",
    values: [{ day: "2016-02-01", order_items: 1, unmapped: 0, excluded: 0, synced_at: "2026-01-01 11:00:00.000" }],
  });
  dir = await tempDir("api-openapi");
  // No source folder: a submitted backfill fails at once, and its status says so.
  const config = loadConfig({ CTR_DATA_DIR: dir, EVENTS_SOURCE: path.join(dir, "missing-source") });
  jobs = new InProcessSubmitter(config, store);
  app = createTestApp(store, toApiConfig(config), jobs);
  server = await startServer(app, { port: 0, hostname: "127.0.0.1", drainMs: 1_000 });
  document = (await (await fetch(`${server.url}/openapi.json`)).json()) as OpenApiDocument;
});
afterAll(async () => {
  await jobs?.idle();
  await server?.close();
  await closeStore?.();
  if (dir) await removeDir(dir);
});

/** `GET /jobs/:id` as Hono routes it, for `/jobs/{id}` as OpenAPI writes it. */
const honoPath = (openApiPath: string) => openApiPath.replaceAll(/\{(\w+)\}/g, ":$1");

/** The published schema of an answer, as a zod schema (its $refs resolved against the components). */
function documentedSchema(operation: Operation, status: number, mediaType: string): z.ZodType {
  const schema = operation.responses[String(status)]?.content?.[mediaType]?.schema;
  if (schema === undefined) throw new Error(`${operation.operationId}: no ${status} ${mediaType} documented`);
  const withDefs = JSON.parse(
    JSON.stringify({ ...(schema as object), $defs: document.components.schemas }).replaceAll(
      "#/components/schemas/",
      "#/$defs/",
    ),
  ) as Parameters<typeof z.fromJSONSchema>[0];
  return z.fromJSONSchema(withDefs);
}

function operation(method: string, route: string): Operation {
  const found = document.paths[route]?.[method];
  if (!found) throw new Error(`${method.toUpperCase()} ${route} is not documented`);
  return found;
}

/** Sends a request and checks its answer against the operation's documented response. */
async function expectDocumented(
  method: "get" | "post",
  route: string,
  init: { url?: string; body?: unknown; status: number },
): Promise<unknown> {
  const response = await fetch(`${server.url}${init.url ?? route}`, {
    method: method.toUpperCase(),
    ...(init.body === undefined
      ? {}
      : { headers: { "Content-Type": "application/json" }, body: JSON.stringify(init.body) }),
  });
  expect(response.status, `${method} ${init.url ?? route}`).toBe(init.status);
  const mediaType = (response.headers.get("content-type") ?? "").split(";")[0] ?? "";
  const schema = documentedSchema(operation(method, route), init.status, mediaType);
  const body = mediaType === "application/json" ? await response.json() : await response.text();
  const checked = schema.safeParse(body);
  expect(checked.error?.issues ?? [], `${method} ${init.url ?? route}: ${JSON.stringify(body)}`).toEqual([]);
  return body;
}

describe("GET /openapi.json", () => {
  it("describes every route the app serves, and the app serves every operation it describes", () => {
    const documented = Object.entries(document.paths)
      .flatMap(([route, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${honoPath(route)}`))
      .sort();
    // The pages' own files (scripts, styles) are not operations.
    const assets = new Set(["/explore/*", "/docs/start.js", "/docs/:file"]);
    const served = app.routes
      .filter((route) => route.method !== "ALL" && !assets.has(route.path))
      .map((route) => `${route.method} ${route.path}`)
      .sort();
    expect(new Set(served)).toEqual(new Set(documented));
    const ids = Object.values(document.paths).flatMap((methods) => Object.values(methods).map((o) => o.operationId));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("publishes the schemas the answers have: probes, data, jobs", async () => {
    await expectDocumented("get", "/healthz", { status: 200 });
    await expectDocumented("get", "/readyz", { status: 200 });
    await expectDocumented("get", "/metrics", { status: 200 });
    const range = "startTimestamp=2016-02-01%2010:00:00&endTimestamp=2016-02-01%2011:00:00&aggregation=60";
    expect(await expectDocumented("get", "/ctr", { url: `/ctr?${range}`, status: 200 })).toHaveLength(1);
    const body = { startTimestamp: "2016-02-01 10:00:00", endTimestamp: "2016-02-01 11:00:00", aggregation: 60 };
    expect(await expectDocumented("post", "/ctr", { body, status: 200 })).toHaveLength(1);
    expect(await expectDocumented("get", "/ctr/totals", { url: `/ctr/totals?${range}`, status: 200 })).toEqual([
      { timestamp: "2016-02-01 10:00:00", platform: "iOS", CTR: 0, purchases: 0, productViews: 3 },
    ]);
    expect(await expectDocumented("post", "/ctr/totals", { body, status: 200 })).toHaveLength(1);
    const top = "startTimestamp=2016-02-01%2000:00:00&endTimestamp=2016-02-02%2000:00:00&by=ctr&limit=5";
    expect(await expectDocumented("get", "/ctr/top", { url: `/ctr/top?${top}`, status: 200 })).toEqual([
      { product: "A1", CTR: 0, ctrLow: 0, ctrHigh: 0.5615, purchases: 0, productViews: 3 },
    ]);
    expect(await expectDocumented("get", "/coverage", { status: 200 })).toMatchObject({
      views: [{ day: "2016-02-01", status: "complete" }],
      purchases: [{ day: "2016-02-01" }],
    });
    await expectDocumented("get", "/products", { url: "/products?prefix=A", status: 200 });
    const submitted = (await expectDocumented("post", "/jobs/backfill", {
      body: { from: "2016-02-01", to: "2016-02-01" },
      status: 202,
    })) as { status: string };
    await jobs.idle();
    expect(await expectDocumented("get", "/jobs/{id}", { url: submitted.status, status: 200 })).toMatchObject({
      state: "failed",
    });
  });

  it("publishes the error body each documented error has", async () => {
    await expectDocumented("get", "/ctr", { url: "/ctr?aggregation=0", status: 400 });
    await expectDocumented("post", "/ctr", { body: { aggregation: 60, extra: 1 }, status: 400 });
    await expectDocumented("get", "/ctr/totals", { url: "/ctr/totals?product=A1", status: 400 });
    await expectDocumented("post", "/ctr/totals", { body: { aggregation: 0 }, status: 400 });
    await expectDocumented("get", "/ctr/top", { url: "/ctr/top?limit=0", status: 400 });
    await expectDocumented("get", "/coverage", { url: "/coverage?from=2016-02-02&to=2016-02-01", status: 400 });
    await expectDocumented("post", "/jobs/backfill", { body: { from: "2016-02-01" }, status: 400 });
    await expectDocumented("get", "/jobs/{id}", { url: "/jobs/no-such-job", status: 404 });
    await expectDocumented("post", "/ctr", { body: { product: "x".repeat(20_000) }, status: 413 });
  });
});
