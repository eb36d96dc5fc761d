// The CTR explorer: wires the form to /products, /ctr (one product), /ctr/totals (all products),
// /ctr/top and /coverage, and draws what they answer. It opens on the latest loaded day's totals
// and top products.

import { ApiError, apiGet, apiJson, apiKey, setApiKey } from "./api.js";
import { clearCharts, drawCharts, resizeCharts } from "./chart.js";
import { toChartData } from "./chart_data.js";
import { coverageRows, latestLoadedDay } from "./coverage_cells.js";
import { neutraliseFormulaStream } from "./csv_formulas.js";
import { attachProductPicker } from "./product_picker.js";
import {
  CTR_FIELDS,
  coverageDays,
  ctrPath,
  curlCommand,
  dayRange,
  formatWallClock,
  queryString,
  topPath,
  wallClockMs,
} from "./request.js";
import { drawCoverage, drawHoveredRows, drawTable, drawTopTable, element, showError } from "./views.js";

/** @typedef {import("./request.js").CtrFields} CtrFields */
/** @typedef {import("./chart_data.js").CtrRow} CtrRow */
/** @typedef {import("./coverage_cells.js").Coverage} Coverage */
/** @typedef {import("./views.js").TopRow} TopRow */

/**
 * @template {HTMLElement} T
 * @param {string} id
 * @param {{ new (): T }} type
 * @returns {T}
 */
function byId(id, type) {
  const found = document.getElementById(id);
  if (!(found instanceof type)) throw new Error(`the page lacks #${id}`);
  return found;
}

const form = byId("query", HTMLFormElement);
const inputs = {
  product: byId("product", HTMLInputElement),
  platform: byId("platform", HTMLSelectElement),
  startTimestamp: byId("startTimestamp", HTMLInputElement),
  endTimestamp: byId("endTimestamp", HTMLInputElement),
  aggregation: byId("aggregation", HTMLInputElement),
};
const day = byId("day", HTMLInputElement);
const errorBox = byId("error", HTMLElement);
const keyForm = byId("key-form", HTMLFormElement);
const keyInput = byId("api-key", HTMLInputElement);
const results = byId("results", HTMLElement);
const chartBox = byId("chart", HTMLElement);
const chartNote = byId("chart-note", HTMLElement);
const hovered = byId("hovered", HTMLElement);
const table = byId("rows", HTMLTableElement);
const rowCount = byId("row-count", HTMLElement);
const curlBox = byId("curl", HTMLElement);
const copyStatus = byId("copy-status", HTMLElement);
const strip = byId("coverage-strip", HTMLElement);
const resultsTitle = byId("results-title", HTMLElement);
const topViews = byId("top-views", HTMLTableElement);
const topCtr = byId("top-ctr", HTMLTableElement);

/** Marks when the page first shows an answer (chart, tables) after navigation. */
const FIRST_ANSWER_MARK = "ctr:first-answer";

/** The /ctr (or /ctr/totals) path of the rows on show, for the CSV and the curl. */
let shownPath = "";
/** The request being shown: a newer one cancels it, so a slow answer never replaces a newer one. */
let inFlight = new AbortController();
const keyButton = byId("key-button", HTMLButtonElement);

/** @returns {CtrFields} */
function readFields() {
  return {
    startTimestamp: inputs.startTimestamp.value,
    endTimestamp: inputs.endTimestamp.value,
    aggregation: inputs.aggregation.value,
    product: inputs.product.value,
    platform: inputs.platform.value,
  };
}

/** The GMT-3 days of the range, for /products; empty while the range is not one. */
function productsFilter() {
  const start = wallClockMs(inputs.startTimestamp.value);
  const end = wallClockMs(inputs.endTimestamp.value);
  const valid = start !== undefined && end !== undefined && end > start;
  return {
    from: valid ? formatWallClock(start).slice(0, 10) : "",
    to: valid ? formatWallClock(end - 60_000).slice(0, 10) : "",
    platform: inputs.platform.value,
  };
}

/** @param {unknown} error */
function report(error) {
  // A request cancelled by a newer one has nothing to say.
  if (error instanceof DOMException && error.name === "AbortError") return;
  if (!(error instanceof ApiError)) throw error;
  showError(errorBox, error);
  if (error.status === 401) {
    keyForm.hidden = false;
    keyInput.focus();
  }
}

/**
 * Draws which days the range depends on are loaded; quiet when the range is not one.
 * @param {AbortSignal} signal
 */
async function loadCoverage(signal) {
  const days = coverageDays(inputs.startTimestamp.value, inputs.endTimestamp.value);
  if (!days) {
    strip.replaceChildren(element("p", "Enter a range to see what is loaded for it.", "hint"));
    return;
  }
  const all = [...days.views, ...days.purchases].sort();
  /** @type {Coverage} */
  const coverage = await apiJson(`/coverage?${queryString({ from: all[0] ?? "", to: all.at(-1) ?? "" })}`, signal);
  drawCoverage(strip, coverageRows(coverage, days), days.more);
}

/**
 * @param {CtrRow[]} rows
 * @param {CtrFields} fields the request that gave them
 */
function drawRows(rows, fields) {
  const data = toChartData(rows, fields);
  resultsTitle.textContent = fields.product.trim() ? `CTR of ${fields.product.trim()}` : "CTR of all products";
  if ("reason" in data) {
    clearCharts();
    chartBox.replaceChildren();
    delete chartBox.dataset.points;
    delete chartBox.dataset.plotted;
    chartNote.textContent = data.reason;
    // No chart, nothing to hover.
    hovered.replaceChildren();
  } else {
    chartNote.textContent = "";
    drawCharts(chartBox, data, (bucket) => drawHoveredRows(hovered, bucket));
    drawHoveredRows(hovered, []);
  }
  drawTable(table, rowCount, rows);
}

/**
 * Charts a product picked from a top table.
 * @param {string} product
 */
function chartProduct(product) {
  inputs.product.value = product;
  void show();
}

/**
 * The range's top products by views and by CTR (the interval's lower end).
 * @param {CtrFields} fields
 * @param {AbortSignal} signal
 * @returns {Promise<() => void>} draws them
 */
async function loadTop(fields, signal) {
  const [byViews, byCtr] = /** @type {[TopRow[], TopRow[]]} */ (
    await Promise.all([apiJson(topPath(fields, "views"), signal), apiJson(topPath(fields, "ctr"), signal)])
  );
  return () => {
    drawTopTable(topViews, byViews, chartProduct);
    drawTopTable(topCtr, byCtr, chartProduct);
  };
}

/** Runs the form's request (/ctr, or /ctr/totals for all products) and /ctr/top, and draws them with the coverage. */
async function show() {
  const fields = readFields();
  const path = ctrPath(fields);
  showError(errorBox, undefined);
  history.replaceState(null, "", `?${path.slice(path.indexOf("?") + 1)}`);
  form.setAttribute("aria-busy", "true");
  inFlight.abort();
  inFlight = new AbortController();
  const { signal } = inFlight;
  try {
    const [rows, drawTop] = await Promise.all([apiJson(path, signal), loadTop(fields, signal), loadCoverage(signal)]);
    shownPath = path;
    curlBox.textContent = curlCommand(`${location.origin}${path}`, { withKey: apiKey() !== "" });
    results.hidden = false;
    drawRows(/** @type {CtrRow[]} */ (rows), fields);
    drawTop();
    // The first answer on the page, for measurements (bench/api/explorer): a User Timing mark.
    if (performance.getEntriesByName(FIRST_ANSWER_MARK).length === 0) performance.mark(FIRST_ANSWER_MARK);
  } catch (error) {
    if (signal.aborted) return;
    results.hidden = true;
    report(error);
  } finally {
    if (!signal.aborted) form.removeAttribute("aria-busy");
  }
}

/** The key button says whether a key is kept. */
function showKeyState() {
  keyButton.textContent = apiKey() ? "API key (set)" : "API key";
}

/** The API's CSV of the rows on show, safe to open in a spreadsheet (csv_formulas.js). */
async function downloadCsv() {
  try {
    const response = await apiGet(shownPath, { accept: "text/csv" });
    const body = response.body ? neutraliseFormulaStream(response.body) : null;
    const csv = await new Response(body, { headers: { "Content-Type": "text/csv" } }).blob();
    const link = document.createElement("a");
    link.href = URL.createObjectURL(csv);
    const fields = readFields();
    link.download = `ctr_${fields.product || "all"}_${fields.startTimestamp.slice(0, 10)}.csv`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  } catch (error) {
    report(error);
  }
}

async function copyCurl() {
  try {
    await navigator.clipboard.writeText(curlBox.textContent ?? "");
    copyStatus.textContent = "Copied.";
  } catch {
    // No clipboard (an insecure origin, a denied permission): the command stays selectable.
    getSelection()?.selectAllChildren(curlBox);
    copyStatus.textContent = "Selected: copy it with Ctrl-C.";
  }
  setTimeout(() => {
    copyStatus.textContent = "";
  }, 3_000);
}

/**
 * Fills the form from the page's query string and shows its answer; or else opens on the latest
 * loaded day: its totals per platform by the hour, and its top products.
 */
async function prefill() {
  const params = new URLSearchParams(location.search);
  if (CTR_FIELDS.some((name) => params.has(name))) {
    for (const name of CTR_FIELDS) inputs[name].value = params.get(name) ?? "";
    day.value = inputs.startTimestamp.value.slice(0, 10);
    await show();
    return;
  }
  inputs.aggregation.value = "60";
  try {
    const latest = latestLoadedDay(await apiJson("/coverage"));
    if (!latest) {
      await loadCoverage(inFlight.signal);
      return;
    }
    setDay(latest);
    await show();
  } catch (error) {
    report(error);
  }
}

/**
 * Sets the range to one GMT-3 day.
 * @param {string} value `YYYY-MM-DD`
 */
function setDay(value) {
  day.value = value;
  const range = dayRange(value);
  inputs.startTimestamp.value = range.startTimestamp;
  inputs.endTimestamp.value = range.endTimestamp;
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  void show();
});
// ISO like From and To, whatever the browser's locale; a day that is no calendar day leaves the
// range as it is, and is marked once the box is left.
for (const event of ["input", "change"]) {
  day.addEventListener(event, () => {
    const value = day.value.trim();
    const valid = wallClockMs(`${value} 00:00:00`) !== undefined;
    if (valid) setDay(value);
    if (event === "change") day.setAttribute("aria-invalid", String(!valid));
  });
}
keyForm.addEventListener("submit", (event) => {
  event.preventDefault();
  setApiKey(keyInput.value.trim());
  showKeyState();
  keyInput.value = "";
  keyForm.hidden = true;
  showError(errorBox, undefined);
  void prefill();
});
byId("forget-key", HTMLButtonElement).addEventListener("click", () => {
  setApiKey("");
  showKeyState();
  keyForm.hidden = false;
});
keyButton.addEventListener("click", () => {
  keyForm.hidden = !keyForm.hidden;
  if (!keyForm.hidden) keyInput.focus();
});
byId("download-csv", HTMLButtonElement).addEventListener("click", () => void downloadCsv());
byId("copy-curl", HTMLButtonElement).addEventListener("click", () => void copyCurl());
addEventListener("resize", resizeCharts);
attachProductPicker(inputs.product, byId("product-options", HTMLElement), {
  filter: productsFilter,
  onError: report,
});
showKeyState();
void prefill();
