// The /ctr rows of one product laid out for the charts: one x per bucket, one series per platform.
// No DOM here: unit tests run it in Node.

import { wallClockMs } from "./request.js";

/**
 * One row of /ctr's JSON answer.
 * @typedef {{ timestamp: string, platform: string, product: string, CTR: number | null, purchases: number, productViews: number }} CtrRow
 */

/**
 * The charts' data. Every row fills exactly one cell of `views` and `purchases` (and of `ctr`
 * unless its CTR is null); a cell without a row is null, which the chart leaves as a gap.
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

/**
 * The x range to draw, in seconds: from the range's start to its last bucket's start, so that
 * buckets without rows show as the gaps they are.
 * @param {{ startTimestamp: string, endTimestamp: string, aggregation: string }} request
 * @param {number[]} x the buckets with rows
 * @returns {[number, number]}
 */
function xRangeOf(request, x) {
  const start = wallClockMs(request.startTimestamp);
  const end = wallClockMs(request.endTimestamp);
  const step = Number(request.aggregation) * 60_000;
  if (start === undefined || end === undefined || !(step > 0) || end <= start) {
    return [x[0] ?? 0, x.at(-1) ?? 0];
  }
  const lastBucket = start + Math.floor((end - 1 - start) / step) * step;
  return [start / 1000, lastBucket / 1000];
}

/**
 * @param {CtrRow[]} rows /ctr's rows, in its order
 * @param {{ startTimestamp: string, endTimestamp: string, aggregation: string }} request what asked for them
 * @returns {ChartData | { reason: string }} the data, or why there is no chart
 */
export function toChartData(rows, request) {
  if (rows.length === 0) return { reason: "No rows: nothing was viewed or bought in this range." };
  const products = new Set(rows.map((row) => row.product));
  if (products.size > 1) {
    return { reason: `${products.size} products: pick one to chart it. The table lists every row.` };
  }
  const platforms = PLATFORMS.filter((platform) => rows.some((row) => row.platform === platform));
  /** @type {Map<string, number>} */
  const bucketIndex = new Map();
  for (const row of rows) if (!bucketIndex.has(row.timestamp)) bucketIndex.set(row.timestamp, bucketIndex.size);
  // Seconds on the x axis, as uPlot wants; the wall-clock time is kept as if UTC (see request.js).
  const x = [...bucketIndex.keys()].map((timestamp) => (wallClockMs(timestamp) ?? Number.NaN) / 1000);
  const empty = () => platforms.map(() => x.map(() => /** @type {number | null} */ (null)));
  const data = {
    x,
    xRange: xRangeOf(request, x),
    platforms,
    ctr: empty(),
    views: empty(),
    purchases: empty(),
    rowsAt: x.map(() => /** @type {CtrRow[]} */ ([])),
  };
  for (const row of rows) {
    const i = /** @type {number} */ (bucketIndex.get(row.timestamp));
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
