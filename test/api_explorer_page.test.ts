/**
 * The explorer page as the server sends it: open even with API keys on, a strict
 * Content-Security-Policy, no inline script, and every file it loads served from the package.
 * (test/explorer_browser.test.ts drives it in a real browser.)
 */
import type { RunningServer } from "@ctr/query-api";
import type { Store } from "@ctr/schemas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestStore, serveApi } from "./support/api_server.ts";

let store: Store;
let closeStore: () => Promise<void>;
let server: RunningServer;

const FRONT_END = "https://bi.example.com";

beforeAll(async () => {
  ({ store, close: closeStore } = await openTestStore());
  server = await serveApi(store, { apiKeys: ["page-key"], corsOrigins: [FRONT_END] });
});
afterAll(async () => {
  await server?.close();
  await closeStore?.();
});

/** The policy's directives as a map: `default-src 'self'; ...` → { "default-src": "'self'", ... }. */
function directives(policy: string | null): Record<string, string> {
  return Object.fromEntries(
    (policy ?? "")
      .split(";")
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => {
        const [name = "", ...values] = part.split(/\s+/);
        return [name, values.join(" ")];
      }),
  );
}

describe("the explorer page: happy path", () => {
  it.each(["/", "/explore"])("%s serves the page, with API keys on and no key sent", async (route) => {
    const response = await fetch(`${server.url}${route}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await response.text()).toContain("<title>CTR explorer</title>");
  });

  it("serves every script and style the page loads, and every module those scripts import", async () => {
    const html = await (await fetch(`${server.url}/`)).text();
    const referenced = [...html.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1] ?? "");
    expect(referenced).toEqual(["/explore/vendor/uPlot.min.css", "/explore/explorer.css", "/explore/main.js"]);
    const seen = new Set<string>();
    const queue = [...referenced];
    while (queue.length > 0) {
      const url = queue.shift() ?? "";
      if (seen.has(url)) continue;
      seen.add(url);
      const response = await fetch(`${server.url}${url}`);
      expect(response.status, url).toBe(200);
      const type = url.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8";
      expect(response.headers.get("content-type"), url).toBe(type);
      expect(response.headers.get("content-security-policy"), url).toContain("script-src 'self'");
      const text = await response.text();
      for (const [, specifier] of text.matchAll(/^\s*import\s[^"']*["']([^"']+)["']/gm)) {
        queue.push(new URL(specifier ?? "", `http://page${url}`).pathname);
      }
    }
    // The page's own modules and the chart library, all from this server.
    expect(seen).toContain("/explore/vendor/uPlot.esm.js");
    expect(seen).toContain("/explore/product_picker.js");
  });
});

describe("the explorer page: security", () => {
  it("sends a strict Content-Security-Policy with the page", async () => {
    const response = await fetch(`${server.url}/`);
    expect(directives(response.headers.get("content-security-policy"))).toMatchObject({
      "default-src": "'self'",
      "script-src": "'self'",
      "style-src": "'self'",
      "img-src": "'self' data:",
      "connect-src": "'self'",
      "frame-ancestors": "'none'",
    });
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("has no inline script or style that the policy would block", async () => {
    const html = await (await fetch(`${server.url}/`)).text();
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/\bsrc="\/explore\//);
      expect(body?.trim()).toBe("");
    }
    expect(html).not.toMatch(/<style\b/i);
    expect(html).not.toMatch(/\sstyle=/i);
    expect(html).not.toMatch(/\son[a-z]+=/i);
    expect(html).not.toMatch(/javascript:/i);
  });

  it("serves only the page's own files: no other file of the package, no path out of it", async () => {
    for (const path of [
      "/explore/tsconfig.json",
      "/explore/request.test.ts",
      "/explore/vendor/uPlot.d.ts",
      "/explore/..%2Fpackage.json",
      "/explore/%2e%2e/src/app.ts",
      "/explore/vendor/../../package.json",
    ]) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status, path).toBe(404);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("not_found");
    }
  });

  it("keeps the data it shows behind the keys, and CORS to the configured origins", async () => {
    expect((await fetch(`${server.url}/products`)).status).toBe(401);
    const allowed = await fetch(`${server.url}/products`, {
      headers: { Origin: FRONT_END, Authorization: "Bearer page-key" },
    });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(FRONT_END);
    const other = await fetch(`${server.url}/products`, {
      headers: { Origin: "https://elsewhere.example", Authorization: "Bearer page-key" },
    });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });
});
