/**
 * /docs in a real browser (Debian's headless Chromium, driven by playwright-core): the reference
 * renders from the document the page carries, with its files from this server under its CSP, and
 * "Try it out" sends a request to the API and shows the answer.
 */
import type { RunningServer } from "@ctr/query-api";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiInBrowser, openApiInBrowser } from "./support/browser_api.ts";
import { needs } from "./support/services.ts";

let opened: ApiInBrowser | undefined;
let server: RunningServer | undefined;
let browser: ApiInBrowser["browser"] | undefined;

// Runs only when the block below does (vitest skips a file's hooks when all its tests are skipped).
beforeAll(async () => {
  opened = await openApiInBrowser([{ at: "2016-02-01 10:00", platform: "iOS", product: "DOCS1", count: 4 }]);
  ({ server, browser } = opened);
});
afterAll(async () => {
  await opened?.close();
});

/** Collects what must never happen on the page: uncaught errors and anything the CSP blocked. */
function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) problems.push(`CSP: ${message.text()}`);
  });
  page.on("requestfailed", (request) => problems.push(`request failed: ${request.url()}`));
  return problems;
}

describe("/docs in Chromium", needs("chromium"), () => {
  it("lists every operation, and Try it out runs GET /ctr against this server", async () => {
    if (!browser || !server) throw new Error("no browser or server");
    const page = await browser.context.newPage();
    const problems = watchProblems(page);
    const requested: string[] = [];
    page.on("request", (request) => requested.push(request.url()));
    await page.goto(`${server.url}/docs`);

    const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { operationId: string; tags: string[] }>>;
    };
    const operations = Object.values(document.paths).flatMap((methods) => Object.values(methods));
    for (const { operationId, tags } of operations) {
      await page.locator(`#operations-${tags[0]}-${operationId}`).waitFor();
    }

    const ctr = page.locator("#operations-CTR-getCtr");
    await ctr.locator(".opblock-summary").click();
    await ctr.getByRole("button", { name: "Try it out" }).click();
    await ctr.locator('input[placeholder="startTimestamp"]').fill("2016-02-01 10:00:00");
    await ctr.locator('input[placeholder="endTimestamp"]').fill("2016-02-01 11:00:00");
    await ctr.locator('input[placeholder="aggregation"]').fill("60");
    await ctr.getByRole("button", { name: "Execute" }).click();
    const body = ctr.locator(".live-responses-table .response .microlight").first();
    await body.waitFor();
    expect(JSON.parse((await body.textContent()) ?? "")).toEqual([
      { timestamp: "2016-02-01 10:00:00", platform: "iOS", product: "DOCS1", CTR: 0, purchases: 0, productViews: 4 },
    ]);

    // Everything came from this server: the renderer's files, the request Try it out sent.
    expect(requested.filter((url) => !url.startsWith(server?.url ?? ""))).toEqual([]);
    expect(problems).toEqual([]);
  });
});
