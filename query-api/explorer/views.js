// The page's passive parts: the error box, the rows table, the hovered bucket, the coverage strip.

/** @typedef {import("./chart_data.js").CtrRow} CtrRow */
/** @typedef {import("./coverage_cells.js").StripRow} StripRow */

/** The table shows at most this many rows; the CSV download has them all. */
export const MAX_TABLE_ROWS = 2000;
const COLUMNS = /** @type {const} */ (["timestamp", "platform", "product", "CTR", "purchases", "productViews"]);

/**
 * A row's cell text: the API's JSON value as written (CTR with its four decimals, or null).
 * @param {CtrRow} row
 * @param {(typeof COLUMNS)[number]} column
 */
export function cellText(row, column) {
  if (column === "CTR") return row.CTR === null ? "null" : row.CTR.toFixed(4);
  return String(row[column]);
}

/**
 * @param {string} tag
 * @param {string} [text]
 * @param {string} [className]
 */
export function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

/**
 * Shows an API error as the API words it: the field it names, then its message.
 * @param {HTMLElement} box
 * @param {{ status: number, code: string, message: string, field?: string | undefined } | undefined} error
 */
export function showError(box, error) {
  for (const invalid of document.querySelectorAll("[aria-invalid=true]")) invalid.removeAttribute("aria-invalid");
  box.replaceChildren();
  box.hidden = error === undefined;
  if (!error) return;
  if (error.field) {
    box.append(element("code", error.field, "error-field"), " ");
    document.getElementById(error.field)?.setAttribute("aria-invalid", "true");
  }
  box.append(element("span", error.message, "error-message"));
  const status = error.status === 0 ? error.code : `${error.status} ${error.code}`;
  box.append(" ", element("small", `(${status})`, "error-code"));
}

/**
 * @param {HTMLTableElement} table
 * @param {HTMLElement} caption
 * @param {CtrRow[]} rows
 */
export function drawTable(table, caption, rows) {
  const head = element("tr");
  for (const column of COLUMNS) head.append(element("th", column));
  const body = document.createElement("tbody");
  for (const row of rows.slice(0, MAX_TABLE_ROWS)) {
    const tr = element("tr");
    for (const column of COLUMNS) {
      tr.append(element("td", cellText(row, column), column === "CTR" && row.CTR === null ? "null" : undefined));
    }
    body.append(tr);
  }
  const thead = document.createElement("thead");
  thead.append(head);
  table.replaceChildren(thead, body);
  const count = `${rows.length.toLocaleString("en")} row${rows.length === 1 ? "" : "s"}`;
  caption.textContent =
    rows.length > MAX_TABLE_ROWS
      ? `${count}; the first ${MAX_TABLE_ROWS.toLocaleString("en")} are shown, the CSV has them all.`
      : `${count}.`;
}

/**
 * The rows of the bucket under the cursor.
 * @param {HTMLElement} box
 * @param {CtrRow[]} rows
 */
export function drawHoveredRows(box, rows) {
  box.replaceChildren();
  if (rows.length === 0) {
    box.append(element("span", "Hover the chart to see a bucket's rows.", "hint"));
    return;
  }
  box.append(element("strong", `${rows[0]?.timestamp} (GMT-3)`));
  for (const row of rows) {
    box.append(
      element(
        "span",
        `${row.platform}: CTR ${cellText(row, "CTR")}, ${row.purchases} purchases, ${row.productViews} views`,
        "hover-row",
      ),
    );
  }
}

/**
 * @param {HTMLElement} strip
 * @param {StripRow[]} rows
 * @param {boolean} more whether the range has more days than drawn
 */
export function drawCoverage(strip, rows, more) {
  strip.replaceChildren();
  for (const row of rows) {
    const line = element("div", undefined, "strip-row");
    line.dataset.row = row.label;
    line.append(element("span", row.label, "strip-label"));
    const cells = element("span", undefined, "strip-cells");
    for (const cell of row.cells) {
      const node = element("span", cell.day.slice(5), `cell ${cell.status}`);
      node.dataset.day = cell.day;
      node.dataset.status = cell.status;
      node.title = cell.title;
      cells.append(node);
    }
    line.append(cells);
    strip.append(line);
  }
  const legend = element("p", undefined, "strip-legend");
  for (const status of ["complete", "partial", "missing"]) {
    legend.append(element("span", status, `cell ${status}`), " ");
  }
  legend.append(
    more
      ? "Only the first days of this long range are drawn."
      : "Views by the UTC day of their folder, purchases by GMT-3 day; hover a day for its counts.",
  );
  strip.append(legend);
}
