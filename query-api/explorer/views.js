// The page's passive parts: the error box, the rows table, the top tables, the hovered bucket, the
// coverage strip.

/** @typedef {import("./chart_data.js").CtrRow} CtrRow */
/** @typedef {import("./coverage_cells.js").StripRow} StripRow */

/** The table shows at most this many rows; the CSV download has them all. */
export const MAX_TABLE_ROWS = 2000;
const COLUMNS = /** @type {const} */ (["timestamp", "platform", "product", "CTR", "purchases", "productViews"]);

/**
 * A CTR as the API writes it: four decimals, or null.
 * @param {number | null} value
 */
export const ctrText = (value) => (value === null ? "null" : value.toFixed(4));

/**
 * A row's cell text: the API's JSON value as written (CTR with its four decimals, or null).
 * @param {CtrRow} row
 * @param {(typeof COLUMNS)[number]} column
 */
export function cellText(row, column) {
  if (column === "CTR") return ctrText(row.CTR);
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
  const message = element("span", undefined, "error-message");
  const { field } = error;
  if (field) {
    document.getElementById(field)?.setAttribute("aria-invalid", "true");
    // The API's messages mostly begin with the field's name: mark it there rather than say it twice.
    if (error.message.startsWith(`${field} `)) {
      message.append(element("code", field, "error-field"), error.message.slice(field.length));
    } else {
      box.append(element("code", field, "error-field"), " ");
      message.textContent = error.message;
    }
  } else {
    message.textContent = error.message;
  }
  box.append(message);
  const status = error.status === 0 ? error.code : `${error.status} ${error.code}`;
  box.append(" ", element("small", `(${status})`, "error-code"));
}

/**
 * @param {HTMLTableElement} table
 * @param {HTMLElement} caption
 * @param {CtrRow[]} rows
 */
export function drawTable(table, caption, rows) {
  // /ctr/totals' rows have no product column.
  const columns = COLUMNS.filter((column) => column !== "product" || rows.some((row) => "product" in row));
  const head = element("tr");
  for (const column of columns) head.append(element("th", column));
  const body = document.createElement("tbody");
  for (const row of rows.slice(0, MAX_TABLE_ROWS)) {
    const tr = element("tr");
    for (const column of columns) {
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
 * One row of /ctr/top's JSON answer.
 * @typedef {{ product: string, CTR: number | null, ctrLow: number | null, ctrHigh: number | null, purchases: number, productViews: number }} TopRow
 */

/**
 * A top table: each product (a button that charts it), its views, purchases, CTR and 95% interval.
 * @param {HTMLTableElement} table
 * @param {TopRow[]} rows
 * @param {(product: string) => void} onPick
 */
export function drawTopTable(table, rows, onPick) {
  const head = element("tr");
  for (const column of ["product", "views", "purchases", "CTR", "95% interval"]) head.append(element("th", column));
  const body = document.createElement("tbody");
  for (const row of rows) {
    const tr = element("tr");
    const pick = element("button", row.product, "product-link");
    pick.setAttribute("type", "button");
    pick.title = `Chart ${row.product}`;
    pick.addEventListener("click", () => onPick(row.product));
    const productCell = element("td");
    productCell.append(pick);
    const interval = row.ctrLow === null ? "null" : `${ctrText(row.ctrLow)}–${ctrText(row.ctrHigh)}`;
    tr.append(
      productCell,
      element("td", row.productViews.toLocaleString("en"), "number"),
      element("td", row.purchases.toLocaleString("en"), "number"),
      element("td", ctrText(row.CTR), "number"),
      element("td", interval, "number"),
    );
    body.append(tr);
  }
  if (rows.length === 0) {
    const empty = element("td", "No product in this range.", "hint");
    empty.setAttribute("colspan", "5");
    const tr = element("tr");
    tr.append(empty);
    body.append(tr);
  }
  const thead = document.createElement("thead");
  thead.append(head);
  table.replaceChildren(thead, body);
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
