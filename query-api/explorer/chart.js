// The two synced charts: CTR per platform above, views and purchases per platform beneath.

import { countPoints } from "./chart_data.js";
import uPlot from "./vendor/uPlot.esm.js";

/** @typedef {import("./chart_data.js").ChartData} ChartData */
/** @typedef {import("./chart_data.js").CtrRow} CtrRow */

/** @type {Record<string, string>} */
const COLORS = { Android: "#1a7f37", MobileWeb: "#0969da", iOS: "#8250df" };
const HEIGHT = 220;

/** @type {uPlot[]} */
let charts = [];

/** Removes the charts drawn last. */
export function clearCharts() {
  for (const chart of charts) chart.destroy();
  charts = [];
}

/**
 * The x axis and the cursor's time label: wall-clock GMT-3, kept as if UTC (see request.js).
 * @param {number} seconds
 */
const utcDate = (seconds) => uPlot.tzDate(new Date(seconds * 1000), "UTC");

/** Whole-number steps for the count axes: a view is never fractional. */
const COUNT_STEPS = [1, 2, 5]
  .flatMap((step) => [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000].map((power) => step * power))
  .sort((a, b) => a - b);

/**
 * A value scale from 0 to a little above the largest value (uPlot would otherwise centre a flat line).
 * @type {uPlot.Range.Function}
 */
const fromZero = (_chart, _min, max) => [0, max > 0 ? max * 1.1 : 1];

/**
 * The x axis' labels, 24-hour GMT-3, with the day under the first tick of each day.
 * @param {uPlot} _chart
 * @param {number[]} ticks seconds
 */
function timeTicks(_chart, ticks) {
  let lastDay = "";
  return ticks.map((tick) => {
    const iso = new Date(tick * 1000).toISOString();
    const day = iso.slice(5, 10);
    const label = day === lastDay ? iso.slice(11, 16) : `${iso.slice(11, 16)}\n${day}`;
    lastDay = day;
    return label;
  });
}

/** @param {number | null} value */
const ctrText = (value) => (value === null || value === undefined ? "–" : value.toFixed(4));

/**
 * @param {string} label
 * @param {string} platform
 * @param {Partial<uPlot.Series>} [extra]
 * @returns {uPlot.Series}
 */
function series(label, platform, extra = {}) {
  return {
    label,
    stroke: COLORS[platform] ?? "#555",
    width: 2,
    spanGaps: false,
    points: { show: true, size: 6 },
    ...extra,
  };
}

/**
 * Draws the charts of one product's rows (or the totals') into `container` (replacing earlier ones). Hovering a
 * bucket calls `onHover` with its rows (none when the cursor leaves).
 * @param {HTMLElement} container
 * @param {ChartData} data
 * @param {(rows: CtrRow[]) => void} onHover
 */
export function drawCharts(container, data, onHover) {
  clearCharts();
  container.replaceChildren();
  const width = Math.max(container.clientWidth, 320);
  const cursor = { sync: { key: "ctr-explorer" }, points: { size: 8 } };
  const hooks = {
    setCursor: [
      /** @param {uPlot} chart */
      (chart) => {
        const index = chart.cursor.idx;
        onHover(index === null || index === undefined ? [] : (data.rowsAt[index] ?? []));
      },
    ],
  };
  /** @type {uPlot.Range.Function} */
  const xRange = () => data.xRange;
  const time = { label: "GMT-3", value: (/** @type {uPlot} */ _u, /** @type {number} */ v) => formatSeconds(v) };

  const ctrChart = new uPlot(
    {
      title: "CTR per platform",
      width,
      height: HEIGHT,
      tzDate: utcDate,
      cursor,
      hooks,
      scales: { x: { time: true, range: xRange }, y: { range: fromZero } },
      series: [time, ...data.platforms.map((p) => series(p, p, { value: (_u, v) => ctrText(v) }))],
      axes: [
        { values: timeTicks, size: 50 },
        { label: "CTR", size: 70, values: (_u, ticks) => ticks.map((tick) => tick.toFixed(4)) },
      ],
    },
    [data.x, ...data.ctr],
    container,
  );
  const countsChart = new uPlot(
    {
      title: "Views (solid) and purchases (dashed) per bucket",
      width,
      height: HEIGHT,
      tzDate: utcDate,
      cursor,
      hooks,
      scales: { x: { time: true, range: xRange }, y: { range: fromZero }, purchases: { range: fromZero } },
      series: [
        time,
        ...data.platforms.map((p) => series(`${p} views`, p)),
        ...data.platforms.map((p) => series(`${p} purchases`, p, { scale: "purchases", dash: [6, 4] })),
      ],
      axes: [
        { values: timeTicks, size: 50 },
        { label: "views", size: 70, incrs: COUNT_STEPS },
        { label: "purchases", side: 1, scale: "purchases", incrs: COUNT_STEPS, grid: { show: false } },
      ],
    },
    [data.x, ...data.views, ...data.purchases],
    container,
  );
  charts = [ctrChart, countsChart];
  // What was handed to the charts, for a reader (and the browser test) to compare with the rows:
  // the rows drawn, the CTR points, and (for a chart of readable size) each row's plotted values.
  const drawn = data.rowsAt.flat();
  container.dataset.points = String(drawn.length);
  container.dataset.ctrPoints = String(countPoints(data.ctr));
  if (drawn.length <= MAX_LISTED_POINTS) container.dataset.plotted = JSON.stringify(plotted(data));
  else delete container.dataset.plotted;
}

/** Charts with more rows than this do not list their values on the container. */
const MAX_LISTED_POINTS = 5_000;

/**
 * The values the series hold where a row was drawn: [bucket text, platform, CTR, views, purchases].
 * @param {ChartData} data
 */
function plotted(data) {
  return data.x.flatMap((seconds, i) =>
    data.platforms.flatMap((platform, p) =>
      (data.rowsAt[i] ?? []).some((row) => row.platform === platform)
        ? [[formatSeconds(seconds), platform, data.ctr[p]?.[i], data.views[p]?.[i], data.purchases[p]?.[i]]]
        : [],
    ),
  );
}

/**
 * @param {number} seconds
 * @returns {string} `YYYY-MM-DD HH:MM`
 */
function formatSeconds(seconds) {
  return Number.isFinite(seconds) ? new Date(seconds * 1000).toISOString().slice(0, 16).replace("T", " ") : "";
}

/** Fits the charts to their container's new width. */
export function resizeCharts() {
  for (const chart of charts) {
    const parent = chart.root.parentElement;
    if (parent) chart.setSize({ width: Math.max(parent.clientWidth, 320), height: HEIGHT });
  }
}
