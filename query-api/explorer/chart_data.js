// The /ctr rows of one product, or /ctr/totals' rows, laid out for the charts: one x per bucket of
// the range, one series per platform.
// No DOM here: unit tests run it in Node.

import { wallClockMs } from "./request.js";

/**
 * One row of /ctr's JSON answer, or of /ctr/totals' (no product).
 * @typedef {{ timestamp: string, platform: string, product?: string, CTR: number | null, purchases: number, productViews: number }} CtrRow
 */

/**
 * The charts' data. `x` holds every bucket of the range (up to MAX_CHART_BUCKETS). Every row fills
 * exactly one cell of `views` and `purchases` (and of `ctr` unless its CTR is null). A bucket without
 * a row had no view and no purchase: 0 in `views` and `purchases`, and null in `ctr`, which the chart
 * leaves as a gap rather than a line drawn across it.
 * @typedef {{
 *   x: number[],
 *   xRange: [number, number],
 *   platforms: string[],
 *   ctr: (number | null)[][],
 *   views: (number | null)[][],
 *   purchases: (number | null)[][],
 *   rowsAt: CtrRow[][],
 * }} ChartData
 */

/** The contract's platforms in its row order (byte order). */
export const PLATFORMS = ["Android", "MobileWeb", "iOS"];

/** More buckets than this are not drawn one by one: only the buckets with rows get an x. */
export const MAX_CHART_BUCKETS = 20_000;

/**
 * The start of every bucket of the request, in seconds: the range's start, then every `aggregation`
 * minutes up to the last (cut) bucket. Undefined when the request is not a range or has too many.
 * @param {{ startTimestamp: string, endTimestamp: string, aggregation: string }} request
 * @returns {number[] | undefined}
 */
function bucketsOf(request) {
  const start = wallClockMs(request.startTimestamp);
  const end = wallClockMs(request.endTimestamp);
  const step = Number(request.aggregation) * 60_000;
  if (start === undefined || end === undefined || !Number.isInteger(step) || step <= 0 || end <= start) {
    return undefined;
  }
  const count = Math.ceil((end - start) / step);
  if (count > MAX_CHART_BUCKETS) return undefined;
  return Array.from({ length: count }, (_, k) => (start + k * step) / 1000);
}

/**
 * @param {CtrRow[]} rows /ctr's rows (of one product) or /ctr/totals' rows, in the API's order
 * @param {{ startTimestamp: string, endTimestamp: string, aggregation: string }} request what asked for them
 * @returns {ChartData | { reason: string }} the data, or why there is no chart
 */
export function toChartData(rows, request) {
  if (rows.length === 0) return { reason: "No rows: nothing was viewed or bought in this range." };
  const products = new Set(rows.map((row) => row.product));
  if (products.size > 1) {
    return {
      reason: `${products.size.toLocaleString("en")} products: pick one to chart it. The table lists every row.`,
    };
  }
  const platforms = PLATFORMS.filter((platform) => rows.some((row) => row.platform === platform));
  // Seconds on the x axis, as uPlot wants; the wall-clock time is kept as if UTC (see request.js).
  const rowSeconds = (/** @type {CtrRow} */ row) => (wallClockMs(row.timestamp) ?? Number.NaN) / 1000;
  const x = bucketsOf(request) ?? [...new Set(rows.map(rowSeconds))];
  /** @type {Map<number, number>} */
  const bucketIndex = new Map(x.map((seconds, i) => [seconds, i]));
  const filled = (/** @type {number | null} */ value) => platforms.map(() => x.map(() => value));
  const data = {
    x,
    xRange: /** @type {[number, number]} */ ([x[0] ?? 0, x.at(-1) ?? 0]),
    platforms,
    ctr: filled(null),
    views: filled(0),
    purchases: filled(0),
    rowsAt: x.map(() => /** @type {CtrRow[]} */ ([])),
  };
  for (const row of rows) {
    const i = bucketIndex.get(rowSeconds(row));
    if (i === undefined) continue;
    const p = platforms.indexOf(row.platform);
    /** @type {(number | null)[]} */ (data.ctr[p])[i] = row.CTR;
    /** @type {(number | null)[]} */ (data.views[p])[i] = row.productViews;
    /** @type {(number | null)[]} */ (data.purchases[p])[i] = row.purchases;
    /** @type {CtrRow[]} */ (data.rowsAt[i]).push(row);
  }
  return data;
}

/**
 * The points a series set draws: its cells that hold a value.
 * @param {(number | null | undefined)[][]} series
 */
export function countPoints(series) {
  return series.reduce(
    (sum, values) => sum + values.filter((value) => value !== null && value !== undefined).length,
    0,
  );
}
