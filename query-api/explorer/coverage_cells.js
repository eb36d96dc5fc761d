// /coverage's answer as the strip's rows of cells: which platform-days of views, and which days of
// purchases, are loaded, partial or missing. No DOM here: unit tests run it in Node.

import { PLATFORMS } from "./chart_data.js";
import { addDays } from "./request.js";

/**
 * A loaded platform-day of views as /coverage lists it. `status` is "complete" or "partial" where the
 * API gives it (a day without it was loaded whole); the failed files are named where it names them.
 * @typedef {{ platform: string, day: string, status?: string, files?: number, views?: number, loadedAt?: string,
 *   failedFiles?: unknown[] }} ViewsDay
 * @typedef {{ day: string, orderItems?: number, syncedAt?: string }} PurchasesDay
 * @typedef {{ views?: ViewsDay[], purchases?: PurchasesDay[] }} Coverage
 * @typedef {"complete" | "partial" | "missing"} CellStatus
 * @typedef {{ day: string, status: CellStatus, title: string }} Cell
 * @typedef {{ label: string, cells: Cell[] }} StripRow
 */

/**
 * A failed file as the API lists it (`{file, reason}`), or a bare name.
 * @param {unknown} entry
 */
function failedFile(entry) {
  if (typeof entry === "string") return entry;
  if (typeof entry === "object" && entry !== null && "file" in entry) {
    return "reason" in entry ? `${entry.file} (${entry.reason})` : String(entry.file);
  }
  return JSON.stringify(entry);
}

/**
 * @param {string} day
 * @param {ViewsDay | undefined} loaded
 * @returns {Cell}
 */
function viewsCell(day, loaded) {
  if (!loaded) return { day, status: "missing", title: `${day}: not loaded` };
  const counts = `${loaded.files ?? "?"} files, ${loaded.views ?? "?"} views, loaded ${loaded.loadedAt ?? "?"}`;
  if (loaded.status === "partial") {
    const failed = (loaded.failedFiles ?? []).map(failedFile);
    const names = failed.length > 0 ? `; failed: ${failed.join(", ")}` : "";
    return { day, status: "partial", title: `${day}: partial (${counts})${names}` };
  }
  return { day, status: "complete", title: `${day}: ${counts}` };
}

/**
 * One row per platform (views, by the UTC day of their folders) and one for purchases (by GMT-3 day).
 * @param {Coverage} coverage /coverage's answer for (at least) these days
 * @param {{ views: string[], purchases: string[] }} days the days the range depends on
 * @returns {StripRow[]}
 */
export function coverageRows(coverage, days) {
  const views = new Map((coverage.views ?? []).map((entry) => [`${entry.platform} ${entry.day}`, entry]));
  const purchases = new Map((coverage.purchases ?? []).map((entry) => [entry.day, entry]));
  return [
    ...PLATFORMS.map((platform) => ({
      label: `${platform} views`,
      cells: days.views.map((day) => viewsCell(day, views.get(`${platform} ${day}`))),
    })),
    {
      label: "purchases",
      cells: days.purchases.map((day) => {
        const synced = purchases.get(day);
        return synced
          ? /** @type {Cell} */ ({
              day,
              status: "complete",
              title: `${day}: ${synced.orderItems ?? "?"} order items, synced ${synced.syncedAt ?? "?"}`,
            })
          : /** @type {Cell} */ ({ day, status: "missing", title: `${day}: not synced` });
      }),
    },
  ];
}

/**
 * The GMT-3 day the page opens on: the latest one whose views are loaded whole, or else the latest
 * with any views; undefined when nothing is loaded. A GMT-3 day D reads two UTC folders, D (from
 * 00:00 to 21:00 GMT-3) and D + 1 (its last three hours): a day whose next folder is not loaded
 * would chart three empty hours that are only not loaded yet.
 * @param {Coverage} coverage
 */
export function latestLoadedDay(coverage) {
  const days = new Set((coverage.views ?? []).map((entry) => entry.day));
  const sorted = [...days].sort();
  return sorted.findLast((day) => days.has(addDays(day, 1))) ?? sorted.at(-1);
}
