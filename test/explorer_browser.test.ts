/**
 * The CTR explorer in a real browser (Debian's headless Chromium, driven by playwright-core) on the
 * demo data `npm start` prepares: what the page opens on, then pick a product and a day, and check
 * what the page shows against what the API answers. Leaves a screenshot of the opened page at
 * test-artifacts/explorer.png (printed below; the README's docs/explorer.png is such a shot).
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { prepareDemo } from "@ctr/jobs";
import type { ErrorBody, RunningServer } from "@ctr/query-api";
import { type CtrRow, type CtrTopRow, loadConfig, type Store } from "@ctr/schemas";
import { openStore } from "@ctr/workers";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveApi } from "./support/api_server.ts";
import { openBrowser } from "./support/browser.ts";
import { needs } from "./support/services.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const SCREENSHOT = path.join(ROOT, "test-artifacts", "explorer.png");
const KEY = "explorer-test-key";
const DAY = "2016-02-01";
/** The demo's folders are 2016-02-01..03: the latest GMT-3 day with both its folders is the 2nd. */
const OPENED = "2016-02-02";

/**
 * How long a poll waits for the page to draw an answer: several requests that the embedded engine
 * answers one at a time, on a machine other suites load. A bound on waiting, not a measure of speed.
 */
const ANSWERED = { timeout: 20_000 };

/** A /ctr/totals row. */
type TotalsRow = Omit<CtrRow, "product">;

interface Coverage {
  views: { platform: string; day: string; status?: string }[];
  purchases: { day: string }[];
}

let dataDir = "";
let store: Store | undefined;
let server: RunningServer;
let guarded: RunningServer;
let browser: Awaited<ReturnType<typeof openBrowser>> | undefined;

// Runs only when the block below does (vitest skips a file's hooks when all its tests are skipped).
beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), "ctr-explorer-"));
  const config = loadConfig({ CTR_DATA_DIR: dataDir });
  const quiet = { write: () => true };
  await prepareDemo(config, 0.05, { out: quiet, progress: quiet });
  store = openStore(config.clickhouse);
  server = await serveApi(store);
  guarded = await serveApi(store, { apiKeys: [KEY], corsOrigins: ["https://bi.example.com"] });
  browser = await openBrowser({ viewport: { width: 1280, height: 1000 } });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await guarded?.close();
  await store?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function getJson<T>(url: string): Promise<T> {
  return (await (await fetch(url)).json()) as T;
}

/** Collects what must never happen on the page: uncaught errors and anything the CSP blocked. */
function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) problems.push(`CSP: ${message.text()}`);
  });
  return problems;
}

/** The strip's cells as [row, day, status]. */
function stripCells(page: Page): Promise<string[][]> {
  return page.$$eval("#coverage-strip .strip-row [data-status]", (cells) =>
    cells.map((cell) => [
      cell.closest(".strip-row")?.getAttribute("data-row") ?? "",
      cell.getAttribute("data-day") ?? "",
      cell.getAttribute("data-status") ?? "",
    ]),
  );
}

/** What the strip should say for these days, from the API's own /coverage. */
async function expectedCells(views: string[], purchases: string[]): Promise<string[][]> {
  const coverage = await getJson<Coverage>(`${server.url}/coverage`);
  const cells = ["Android", "MobileWeb", "iOS"].flatMap((platform) =>
    views.map((day) => {
      const loaded = coverage.views.find((entry) => entry.platform === platform && entry.day === day);
      return [`${platform} views`, day, loaded ? (loaded.status === "partial" ? "partial" : "complete") : "missing"];
    }),
  );
  return [
    ...cells,
    ...purchases.map((day) => [
      "purchases",
      day,
      coverage.purchases.some((entry) => entry.day === day) ? "complete" : "missing",
    ]),
  ];
}

/** A top table's cells as the page shows them. */
function topCells(page: Page, id: string): Promise<string[][]> {
  return page.$$eval(`#${id} tbody tr`, (trs) =>
    trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent ?? "")),
  );
}

/** What a top table should show for /ctr/top's JSON: counts with separators, CTRs as the API writes them. */
function expectedTopCells(rows: CtrTopRow[]): string[][] {
  const ctr = (value: number | null) => (value === null ? "null" : value.toFixed(4));
  return rows.map((row) => [
    row.product,
    row.productViews.toLocaleString("en"),
    row.purchases.toLocaleString("en"),
    ctr(row.CTR),
    row.ctrLow === null ? "null" : `${ctr(row.ctrLow)}–${ctr(row.ctrHigh)}`,
  ]);
}

describe("the CTR explorer in Chromium", needs("chromium"), () => {
  it("opens on the latest loaded day: the totals per platform charted, the top products by views and by CTR", async () => {
    if (!browser) throw new Error("no browser");
    const page = await browser.context.newPage();
    const problems = watchProblems(page);
    await page.goto(`${server.url}/`);
    // The first paint with data: the chart of the day's totals, nothing picked or typed.
    await page.waitForSelector("#chart[data-plotted]");
    expect(await page.inputValue("#day")).toBe(OPENED);
    expect(await page.getAttribute("#day", "type")).toBeNull();
    expect(await page.inputValue("#startTimestamp")).toBe(`${OPENED} 00:00:00`);
    expect(await page.inputValue("#product")).toBe("");
    const range = `startTimestamp=${OPENED}%2000:00:00&endTimestamp=2016-02-03%2000:00:00`;
    const totals = await getJson<TotalsRow[]>(`${server.url}/ctr/totals?${range}&aggregation=60`);
    expect(totals.length).toBe(24 * 3);
    const plotted = JSON.parse((await page.getAttribute("#chart", "data-plotted")) ?? "[]") as unknown[];
    expect(plotted).toEqual(
      totals.map((row) => [row.timestamp.slice(0, 16), row.platform, row.CTR, row.productViews, row.purchases]),
    );
    expect(await page.locator("#chart canvas").count()).toBe(2);
    expect(await page.textContent("#results-title")).toBe("CTR of all products");
    expect(await page.textContent("#chart-note")).toBe("");
    expect(await page.textContent("#hovered")).toBe("Hover the chart to see a bucket's rows.");
    expect(await page.textContent("#row-count")).toBe(`${totals.length} rows.`);

    // The two top tables: /ctr/top's answers for the day, row for row.
    const byViews = await getJson<CtrTopRow[]>(`${server.url}/ctr/top?${range}&by=views&limit=10`);
    const byCtr = await getJson<CtrTopRow[]>(`${server.url}/ctr/top?${range}&by=ctr&limit=10&minViews=20`);
    expect(byViews).toHaveLength(10);
    expect(byCtr).toHaveLength(10);
    expect(await topCells(page, "top-views")).toEqual(expectedTopCells(byViews));
    expect(await topCells(page, "top-ctr")).toEqual(expectedTopCells(byCtr));

    mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    console.log(`explorer screenshot: ${SCREENSHOT}`);

    // Clicking a product of the CTR table charts it; emptying the product charts the totals again.
    const picked = byCtr[0]?.product ?? "";
    await page.click(`#top-ctr button:text-is("${picked}")`);
    await expect.poll(() => page.textContent("#results-title"), ANSWERED).toBe(`CTR of ${picked}`);
    const productRows = await getJson<CtrRow[]>(
      `${server.url}/ctr?${range}&aggregation=60&product=${encodeURIComponent(picked)}`,
    );
    await expect
      .poll(async () => Number(await page.getAttribute("#chart", "data-points")), ANSWERED)
      .toBe(productRows.length);
    expect(await page.inputValue("#product")).toBe(picked);
    await page.fill("#product", "");
    await page.click("#show");
    await expect.poll(() => page.textContent("#results-title"), ANSWERED).toBe("CTR of all products");
    expect(Number(await page.getAttribute("#chart", "data-points"))).toBe(totals.length);

    // The type-ahead closes when the form is sent, and stays closed once its answer is in.
    await page.fill("#product", picked.slice(0, 3));
    await page.waitForSelector("#product-options:not([hidden])");
    await page.press("#product", "Enter");
    await expect.poll(() => page.textContent("#results-title"), ANSWERED).toBe(`CTR of ${picked.slice(0, 3)}`);
    expect(await page.isHidden("#product-options")).toBe(true);
    // No product is called so: no rows, no chart, and no invitation to hover one.
    expect(await page.textContent("#chart-note")).toMatch(/^No rows/);
    expect(await page.textContent("#hovered")).toBe("");

    // An error names its field once: the field marked at the head of the API's own message.
    await page.fill("#aggregation", "0");
    await page.click("#show");
    await page.waitForSelector("#error:not([hidden])");
    const errorText = (await page.textContent("#error")) ?? "";
    expect(errorText).toMatch(/^aggregation must be a positive whole number/);
    expect(await page.textContent("#error .error-field")).toBe("aggregation");
    expect(await page.isHidden("#results")).toBe(true);

    expect(problems).toEqual([]);
    await page.close();
  });

  it("shows a product's CTR for a day: chart, table, CSV and curl as the API answers, and the loaded days", async () => {
    if (!browser) throw new Error("no browser");
    const page = await browser.context.newPage();
    const problems = watchProblems(page);
    await page.goto(`${server.url}/explore`);
    // With nothing asked yet, the page opens on the latest loaded day's answer.
    await page.waitForSelector("#chart[data-plotted]");
    expect(await page.inputValue("#startTimestamp")).toBe(`${OPENED} 00:00:00`);

    // The busiest product of the day, from the API.
    const dayRows = await getJson<CtrRow[]>(
      `${server.url}/ctr?startTimestamp=${DAY}%2000:00:00&endTimestamp=2016-02-02%2000:00:00&aggregation=1440`,
    );
    const views = new Map<string, number>();
    for (const row of dayRows) views.set(row.product, (views.get(row.product) ?? 0) + row.productViews);
    const [product = ""] = [...views].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([name]) => name);

    // The type-ahead lists what /products answers for the typed prefix and the range's days.
    await page.fill("#day", DAY);
    await page.fill("#aggregation", "60");
    const prefix = product.slice(0, 7);
    await page.fill("#product", prefix);
    const suggested = await getJson<{ products: string[] }>(
      `${server.url}/products?prefix=${prefix}&from=${DAY}&to=${DAY}&limit=20`,
    );
    expect(suggested.products).toContain(product);
    await expect
      .poll(
        () => page.$$eval("#product-options [role=option]", (options) => options.map((o) => o.textContent)),
        ANSWERED,
      )
      .toEqual(suggested.products);
    await page.click(`#product-options [data-product="${product}"]`);
    expect(await page.inputValue("#product")).toBe(product);
    await page.click("#show");

    // The curl is the exact request; the API's answer to it is what the page must show.
    const url = `${server.url}/ctr?startTimestamp=${DAY}%2000:00:00&endTimestamp=2016-02-02%2000:00:00&aggregation=60&product=${product}`;
    await expect.poll(() => page.textContent("#curl"), ANSWERED).toBe(`curl '${url}'`);
    const curl = (await page.textContent("#curl")) ?? "";
    const raw = await (await fetch(url)).text();
    const rows = JSON.parse(raw) as CtrRow[];
    expect(rows.length).toBeGreaterThan(3);

    // The chart: a point per row (a CTR point per row with views), in two drawn charts.
    expect(Number(await page.getAttribute("#chart", "data-points"))).toBe(rows.length);
    expect(Number(await page.getAttribute("#chart", "data-ctr-points"))).toBe(
      rows.filter((row) => row.CTR !== null).length,
    );
    expect(await page.locator("#chart canvas").count()).toBe(2);

    // The table: the API's rows in its order, CTR as the API writes it (four decimals, or null).
    const ctrTexts = [...raw.matchAll(/"CTR":(null|[0-9.]+)/g)].map((m) => m[1]);
    const cells = await page.$$eval("#rows tbody tr", (trs) =>
      trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent)),
    );
    expect(cells).toEqual(
      rows.map((row, i) => [
        row.timestamp,
        row.platform,
        row.product,
        ctrTexts[i],
        String(row.purchases),
        String(row.productViews),
      ]),
    );
    expect(await page.textContent("#row-count")).toBe(`${rows.length} rows.`);

    // Hovering the first row's bucket shows that bucket's rows.
    const first = rows[0] as CtrRow;
    const plot = await page.locator("#chart .u-over").first().boundingBox();
    if (!plot) throw new Error("no plot area");
    const hour = Number(first.timestamp.slice(11, 13));
    await page.mouse.move(plot.x + (plot.width * hour) / 23, plot.y + plot.height / 2);
    await expect.poll(() => page.textContent("#hovered")).toContain(`${first.timestamp} (GMT-3)`);
    const bucket = rows.filter((row) => row.timestamp === first.timestamp);
    expect(await page.locator("#hovered .hover-row").allTextContents()).toEqual(
      bucket.map(
        (row) =>
          `${row.platform}: CTR ${row.CTR === null ? "null" : row.CTR.toFixed(4)}, ${row.purchases} purchases, ${row.productViews} views`,
      ),
    );

    // The coverage strip: the range's folder days and purchase day, as /coverage has them.
    const loadedCells = await stripCells(page);
    expect(loadedCells).toEqual(await expectedCells([DAY, "2016-02-02"], [DAY]));
    expect(loadedCells.filter((cell) => cell[2] === "complete")).toHaveLength(7);

    // CSV: the API's own CSV of the same request.
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download-csv")]);
    expect(download.suggestedFilename()).toBe(`ctr_${product}_${DAY}.csv`);
    const csv = readFileSync(await download.path(), "utf8");
    expect(csv).toBe(await (await fetch(url, { headers: { Accept: "text/csv" } })).text());
    expect(csv.trim().split("\n")).toHaveLength(rows.length + 1);

    // Copy as curl: the clipboard holds the command, and running it gives the same answer.
    await browser.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.url });
    await page.click("#copy-curl");
    await expect.poll(() => page.textContent("#copy-status")).toBe("Copied.");
    // A string: this project's type-check has no DOM types, and this runs in the page.
    const copied = String(await page.evaluate("navigator.clipboard.readText()"));
    expect(copied).toBe(curl);
    const { stdout } = await promisify(execFile)("sh", ["-c", `${copied} --silent`]);
    expect(stdout).toBe(raw);

    // The last loaded day: its next folder day is not loaded, and the strip says so.
    await page.fill("#day", "2016-02-03");
    await page.click("#show");
    await expect
      .poll(() => stripCells(page), ANSWERED)
      .toEqual(await expectedCells(["2016-02-03", "2016-02-04"], ["2016-02-03"]));
    expect((await stripCells(page)).filter((cell) => cell[2] === "missing").map((cell) => cell[0])).toEqual([
      "Android views",
      "MobileWeb views",
      "iOS views",
    ]);

    // A bad range: the API's field and message, word for word.
    await page.fill("#startTimestamp", `${DAY} 10:00:00`);
    await page.fill("#endTimestamp", `${DAY} 09:00:00`);
    await page.click("#show");
    await page.waitForSelector("#error:not([hidden])");
    const refused = await fetch(
      `${server.url}/ctr?startTimestamp=${DAY}%2010:00:00&endTimestamp=${DAY}%2009:00:00&aggregation=60&product=${product}`,
    );
    expect(refused.status).toBe(400);
    const { error } = (await refused.json()) as ErrorBody;
    expect(error.field).toBe("endTimestamp");
    expect(await page.textContent("#error .error-field")).toBe(error.field);
    expect(await page.textContent("#error .error-message")).toBe(error.message);
    expect(await page.getAttribute("#endTimestamp", "aria-invalid")).toBe("true");
    expect(await page.isHidden("#results")).toBe(true);

    expect(problems).toEqual([]);
    await page.close();
  });

  it("asks for the API key, keeps it in the tab's session and sends it as a Bearer token", async () => {
    if (!browser) throw new Error("no browser");
    const page = await browser.context.newPage();
    const problems = watchProblems(page);
    const sent: string[] = [];
    page.on("request", (request) => {
      if (new URL(request.url()).pathname === "/coverage") sent.push(request.headers().authorization ?? "none");
    });
    await page.goto(`${guarded.url}/`);
    await page.waitForSelector("#key-form:not([hidden])");
    const unauthorized = (await getJson<ErrorBody>(`${guarded.url}/coverage`)).error;
    expect(await page.textContent("#error .error-message")).toBe(unauthorized.message);

    await page.fill("#api-key", "not-the-key");
    await page.click("#key-form button[type=submit]");
    await page.waitForSelector("#key-form:not([hidden])");
    await page.fill("#api-key", KEY);
    await page.click("#key-form button[type=submit]");
    await expect.poll(() => stripCells(page), ANSWERED).toEqual(await expectedCells([OPENED, "2016-02-03"], [OPENED]));
    expect(await page.isHidden("#key-form")).toBe(true);
    expect(sent).toEqual(["none", "Bearer not-the-key", `Bearer ${KEY}`, `Bearer ${KEY}`]);
    expect(await page.evaluate(() => [sessionStorage.getItem("ctr.apiKey"), localStorage.length])).toEqual([KEY, 0]);

    // With a key, the copied command reads it from the environment rather than spelling it out.
    const [product = ""] = (await getJson<{ products: string[] }>(`${server.url}/products?from=${DAY}&to=${DAY}`))
      .products;
    await page.fill("#product", product);
    await page.click("#show");
    // The opening answer (the totals) is on show already: wait for the product's.
    await expect
      .poll(async () => (await page.textContent("#curl")) ?? "", ANSWERED)
      .toMatch(/^curl -H "Authorization: Bearer \$CTR_API_KEY" 'http:\/\/127\.0\.0\.1:\d+\/ctr\?/);
    const curl = (await page.textContent("#curl")) ?? "";
    expect(curl).not.toContain(KEY);

    // The key lives in this tab only: another tab asks for it again.
    const other = await browser.context.newPage();
    await other.goto(`${guarded.url}/explore`);
    await other.waitForSelector("#key-form:not([hidden])");
    expect(problems).toEqual([]);
    await other.close();
    await page.close();
  });
});
