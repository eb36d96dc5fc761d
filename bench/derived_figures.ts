/**
 * Figures the docs quote that follow from one result's own fields and the capacity plan's premises
 * (docs/PART-II.md: 10 GB of JSON a day, 1 TB of history, 2 × 10^7 per-minute rows a day). They are
 * computed when the results are read, never stored, so they move with the run they come from.
 */

/** The capacity plan's premises. */
const DAY_MB = 10_000;
const HISTORY_MB = 1_000_000;
const ROWS_PER_DAY = 2e7;
const HISTORY_ROWS = 2e9;
/** One platform's share of a day's rows (three platforms). */
const ROWS_PER_PLATFORM_DAY = ROWS_PER_DAY / 3;
/** The KEDA maximum in infra/k8s, pods of 2 cores. */
const MAX_WORKER_CORES = 32 * 2;
/** The window a day's conversion should fit in, and the cores of one worker pod. */
const DAY_WINDOW_S = 600;
const POD_CORES = 2;
/** A dedicated 8-vCPU ClickHouse node is assumed to read this many times what the 2 shared cores read. */
const NODE_SPEEDUP = 4;
/** Per-minute rows the plan's requests read (docs/PART-II.md, "One shard, and when to shard"). */
const PLAN_REQUEST_ROWS = {
  yearOfOneProduct: (365 * ROWS_PER_DAY) / 4051,
  platformDay: ROWS_PER_PLATFORM_DAY,
  monthOfEverything: 30 * ROWS_PER_DAY,
  /** The month of everything from an hourly table, a year of everything from a daily one. */
  monthHourly: 30 * 24 * 3 * 4051,
  yearDaily: 365 * 3 * 4051,
  /** The largest accepted request with buckets under an hour (MAX_RESULT_ROWS bounds it). */
  worstFineRequest: 6.1e7,
};

type Part = Record<string, unknown>;

function num(part: Part | undefined, ...steps: string[]): number | undefined {
  let value: unknown = part;
  for (const step of steps) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[step];
  }
  return typeof value === "number" ? value : undefined;
}

/** `ingest.derived`: the generated mix's end-to-end rate and commit rate carried over to the plan. */
function ingestDerived(ingest: Part): Record<string, number> | undefined {
  const mbPerSPerCore = num(ingest, "mbPerSPerCore");
  const commitRowsPerS = num(ingest, "commitRowsPerS");
  if (mbPerSPerCore === undefined || commitRowsPerS === undefined) return undefined;
  const coreHoursPerTB = HISTORY_MB / mbPerSPerCore / 3600;
  return {
    coreMinutesPerDay: DAY_MB / mbPerSPerCore / 60,
    podsPerDayWindow: DAY_MB / (mbPerSPerCore * DAY_WINDOW_S * POD_CORES),
    podsPer100GBDayWindow: (10 * DAY_MB) / (mbPerSPerCore * DAY_WINDOW_S * POD_CORES),
    s3GBPerSOnMaxWorkers: (mbPerSPerCore * MAX_WORKER_CORES) / 1000,
    coreHoursPerTB,
    minutesPerTBOnMaxWorkers: (coreHoursPerTB * 60) / MAX_WORKER_CORES,
    commitSecondsPerPlatformDay: ROWS_PER_PLATFORM_DAY / commitRowsPerS,
    commitSecondsPerDay: ROWS_PER_DAY / commitRowsPerS,
    commitMinutesPerTB: HISTORY_ROWS / commitRowsPerS / 60,
  };
}

/** `api.derived`: the month query on the per-minute tables, as rows read per second of engine time. */
function apiDerived(api: Part): Record<string, number> | undefined {
  const shapes = api.shapes;
  const month = Array.isArray(shapes) ? (shapes[2] as Part | undefined) : undefined;
  const viewRows = num(api, "store", "viewRows");
  const purchaseRows = num(api, "store", "purchaseRows");
  const p50 = num(month, "perMinute", "engine", "p50");
  if (viewRows === undefined || purchaseRows === undefined || p50 === undefined) return undefined;
  // The month shape covers the whole store, so it reads every per-minute row of both tables.
  const rowsPerS = (viewRows + purchaseRows) / (p50 / 1000);
  const nodeRowsPerS = rowsPerS * NODE_SPEEDUP;
  const seconds = (rows: number, rate: number) => rows / rate;
  return {
    monthPerMinuteRows: viewRows + purchaseRows,
    monthPerMinuteRowsPerS: rowsPerS,
    nodeRowsPerS,
    yearOfOneProductS: seconds(PLAN_REQUEST_ROWS.yearOfOneProduct, rowsPerS),
    yearOfOneProductNodeS: seconds(PLAN_REQUEST_ROWS.yearOfOneProduct, nodeRowsPerS),
    platformDayS: seconds(PLAN_REQUEST_ROWS.platformDay, rowsPerS),
    platformDayNodeS: seconds(PLAN_REQUEST_ROWS.platformDay, nodeRowsPerS),
    monthOfEverythingS: seconds(PLAN_REQUEST_ROWS.monthOfEverything, rowsPerS),
    monthOfEverythingNodeS: seconds(PLAN_REQUEST_ROWS.monthOfEverything, nodeRowsPerS),
    monthHourlyNodeS: seconds(PLAN_REQUEST_ROWS.monthHourly, nodeRowsPerS),
    yearDailyNodeS: seconds(PLAN_REQUEST_ROWS.yearDaily, nodeRowsPerS),
    hoursOfEverythingPerNodeSecond: nodeRowsPerS / (ROWS_PER_DAY / 24),
    worstFineRequestNodeS: seconds(PLAN_REQUEST_ROWS.worstFineRequest, nodeRowsPerS),
    shardsForWorstFineRequest: Math.ceil(PLAN_REQUEST_ROWS.worstFineRequest / nodeRowsPerS),
  };
}

/** The results with each part's derived figures added under `derived`. */
export function withDerivedFigures<T extends Record<string, unknown>>(results: T): T {
  const out: Record<string, unknown> = { ...results };
  const derive: Record<string, (part: Part) => Record<string, number> | undefined> = {
    ingest: ingestDerived,
    api: apiDerived,
  };
  for (const [name, value] of Object.entries(out)) {
    if (value === null || typeof value !== "object") continue;
    const part = value as Part;
    // Every part that records its input's bytes: the same in MB, as the docs quote sizes.
    const bytes = num(part, "input", "bytes");
    const derived = {
      ...(bytes === undefined ? {} : { inputMb: bytes / 1e6 }),
      ...derive[name]?.(part),
    };
    if (Object.keys(derived).length > 0) out[name] = { ...part, derived };
  }
  return out as T;
}
