import net from "node:net";
import { MAX_BODY_BYTES, type RunningServer } from "@ctr/query-api";
import type { Store } from "@ctr/schemas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getAnswer, getCtr, insertViews, openTestStore, serveApi, truncateTables } from "./support/api_server.ts";

let store: Store;
let closeStore: () => Promise<void>;
let open: RunningServer;
let guarded: RunningServer;

const KEYS = ["key-one", "key-two-longer"];
const FRONT_END = "https://bi.example.com";

beforeAll(async () => {
  ({ store, close: closeStore } = await openTestStore());
  await truncateTables(store);
  await insertViews(store, [{ at: "2016-02-01 10:00", platform: "iOS", product: "A", count: 3 }]);
  open = await serveApi(store);
  guarded = await serveApi(store, { apiKeys: KEYS, corsOrigins: [FRONT_END] });
});
afterAll(async () => {
  await open?.close();
  await guarded?.close();
  await closeStore?.();
});

const valid = { startTimestamp: "2016-02-01 10:00:00", endTimestamp: "2016-02-01 11:00:00", aggregation: 60 };

describe("API keys", () => {
  it("needs no key when API_KEYS is empty", async () => {
    expect((await getCtr(open, valid)).status).toBe(200);
  });

  it("refuses /ctr, /ctr/totals, /ctr/top and /coverage without a valid Bearer key", async () => {
    for (const headers of [
      {},
      { Authorization: "Bearer wrong" },
      { Authorization: "key-one" },
      { Authorization: "Basic a2V5LW9uZQ==" },
    ] as Record<string, string>[]) {
      const response = await getCtr(guarded, valid, headers);
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
    }
    expect((await fetch(`${guarded.url}/coverage`)).status).toBe(401);
    const top = { startTimestamp: valid.startTimestamp, endTimestamp: valid.endTimestamp, by: "views", limit: 5 };
    for (const [route, fields] of [
      ["/ctr/totals", valid],
      ["/ctr/top", top],
    ] as const) {
      expect((await getAnswer(guarded, route, fields)).status, route).toBe(401);
      const keyed = await getAnswer(guarded, route, fields, { Authorization: `Bearer ${KEYS[0]}` });
      expect(keyed.status, route).toBe(200);
    }
  });

  it("accepts any configured key", async () => {
    for (const key of KEYS) {
      const response = await getCtr(guarded, valid, { Authorization: `Bearer ${key}` });
      expect(response.status).toBe(200);
      expect(await response.json()).toHaveLength(1);
    }
  });

  it("leaves probes, metrics and documentation open", async () => {
    for (const route of ["/healthz", "/readyz", "/metrics", "/openapi.json", "/docs"]) {
      expect((await fetch(`${guarded.url}${route}`)).status).toBe(200);
    }
  });
});

describe("CORS", () => {
  it("allows the configured origin, preflight included", async () => {
    const preflight = await fetch(`${guarded.url}/ctr`, {
      method: "OPTIONS",
      headers: {
        Origin: FRONT_END,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization",
      },
    });
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers.get("access-control-allow-origin")).toBe(FRONT_END);
    expect(preflight.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
    const response = await getCtr(guarded, valid, { Origin: FRONT_END, Authorization: `Bearer ${KEYS[0]}` });
    expect(response.headers.get("access-control-allow-origin")).toBe(FRONT_END);
  });

  it("gives no CORS headers to other origins, or when no origin is configured", async () => {
    const other = await getCtr(guarded, valid, { Origin: "https://evil.example", Authorization: `Bearer ${KEYS[0]}` });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    const unconfigured = await getCtr(open, valid, { Origin: FRONT_END });
    expect(unconfigured.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("hardening", () => {
  it("sets secure headers and a request id on every response", async () => {
    const response = await getCtr(open, valid);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("x-frame-options")).toBe("SAMEORIGIN");
    expect(response.headers.get("strict-transport-security")).toMatch(/max-age/);
    expect(response.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const notFound = await fetch(`${open.url}/nope`);
    expect(notFound.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("refuses a body over the size limit with a 413", async () => {
    const response = await fetch(`${open.url}/ctr`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ ...valid, product: "x".repeat(MAX_BODY_BYTES) }),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: { code: "payload_too_large", field: "body" } });
  });

  it("refuses a 100 KB query string with a 414 and the JSON error body, and serves the next request", async () => {
    const response = await getCtr(open, { ...valid, product: "x".repeat(100_000) });
    expect(response.status).toBe(414);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({
      error: {
        code: "uri_too_long",
        message:
          "the request line is over 16 KiB: shorten the query string, or send the /ctr fields as a JSON body with POST /ctr",
        field: "url",
      },
    });
    // Just over the limit too, where the whole request line arrives in one packet.
    expect((await getCtr(open, { ...valid, product: "x".repeat(17_000) })).status).toBe(414);
    expect((await getCtr(open, valid)).status).toBe(200);
  });

  it("refuses oversized headers with a 431 and the JSON error body", async () => {
    const response = await getCtr(open, valid, { "X-Padding": "y".repeat(20_000) });
    expect(response.status).toBe(431);
    expect(await response.json()).toMatchObject({ error: { code: "headers_too_large", field: "headers" } });
  });

  it("answers a request that is not valid HTTP with a JSON 400, not Node's bare one", async () => {
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(open.port, "127.0.0.1", () => {
        socket.write("GET /ctr HTTP/1.1\r\nHost: x\r\nContent-Length: twelve\r\n\r\n");
      });
      let text = "";
      socket.on("data", (chunk: Buffer) => {
        text += chunk.toString();
      });
      socket.on("end", () => resolve(text));
      socket.on("error", reject);
    });
    const [head = "", body = ""] = raw.split("\r\n\r\n");
    expect(head).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(head).toMatch(/\r\nContent-Type: application\/json/);
    expect(JSON.parse(body)).toMatchObject({ error: { code: "invalid_request", field: "request" } });
  });

  it("does not echo a client's request id that is not a plain token", async () => {
    const response = await getCtr(open, valid, { "X-Request-Id": "<script>alert(1)</script>" });
    expect(response.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});
