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
  return { monthPerMinuteRows: viewRows + purchaseRows, monthPerMinuteRowsPerS: (viewRows + purchaseRows) / (p50 / 1000) };
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
