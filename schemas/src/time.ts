/**
 * The API speaks GMT-3 wall-clock time: a fixed UTC-03:00 offset with no daylight saving.
 * ClickHouse spells that zone `Etc/GMT+3` (POSIX sign inversion).
 */
export const GMT3_OFFSET_MS = -3 * 60 * 60 * 1000;
export const CLICKHOUSE_GMT3 = "Etc/GMT+3";

export const DAY_MS = 86_400_000;

const WALL_CLOCK = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Parses `YYYY-MM-DD HH:MM:SS` as GMT-3 wall-clock time into UTC epoch milliseconds.
 * Returns undefined for anything that is not a real calendar time (2016-02-30, 24:00:00, ...).
 */
export function parseGmt3WallClock(text: string): number | undefined {
  const m = WALL_CLOCK.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const utc = Date.UTC(year, month - 1, day, hour, minute, second);
  const back = new Date(utc);
  // Date.UTC rolls 2016-02-30 over into March; a real date survives the round trip.
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day) {
    return undefined;
  }
  return utc - GMT3_OFFSET_MS;
}

/** Formats UTC epoch milliseconds as GMT-3 wall-clock `YYYY-MM-DD HH:MM:SS`. */
export function formatGmt3WallClock(epochMs: number): string {
  return new Date(epochMs + GMT3_OFFSET_MS).toISOString().slice(0, 19).replace("T", " ");
}

/** Parses a calendar day `YYYY-MM-DD`; undefined when it is not a real date. */
export function parseDay(text: string): Date | undefined {
  const m = DAY.exec(text);
  if (!m) return undefined;
  const [year, month, day] = m.slice(1).map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
    ? date
    : undefined;
}

/** Formats a Date's UTC calendar day as `YYYY-MM-DD`. */
export function formatDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** Every day from `from` to `to`, both included, as `YYYY-MM-DD`. */
export function daysBetween(from: string, to: string): string[] {
  const start = parseDay(from);
  const end = parseDay(to);
  if (!start || !end) throw new RangeError(`not a day range: ${from}..${to}`);
  const days: string[] = [];
  for (let t = start.getTime(); t <= end.getTime(); t += DAY_MS) days.push(formatDay(new Date(t)));
  return days;
}

/** The UTC epoch minute an event belongs to: 13:55:59.9 belongs to 13:55. */
export function floorToMinute(epochMs: number): number {
  return Math.floor(epochMs / 60_000) * 60_000;
}

/**
 * How many whole days a product view's time may lie before or after the UTC day of its folder and
 * still be stored. The ingest stores a view only inside its folder's window (viewTimeWindow), and
 * /ctr reads the folder days of its range widened by the same slack (viewFolderDays): every stored
 * view can be found by a query around its own minute, so /coverage (the manifests) and /ctr agree.
 */
export const VIEW_FOLDER_SLACK_DAYS = 1;

/** One past the last minute ClickHouse's DateTime holds (2106-02-07 06:28 UTC), in epoch ms. */
const STORABLE_END_MS = (Math.floor(0xffff_ffff / 60) + 1) * 60_000;

/** The times of the views a folder may hold: `[fromMs, toMs)`, UTC epoch ms, and its days for messages. */
export interface ViewTimeWindow {
  /** The folder's day, `YYYY-MM-DD`. */
  day: string;
  fromMs: number;
  toMs: number;
  /** The first and last day of the window, `YYYY-MM-DD`, both included. */
  firstDay: string;
  lastDay: string;
}

/**
 * The plausibility window of the views in a `day` folder: the folder's UTC day widened by
 * VIEW_FOLDER_SLACK_DAYS each side, `[day - 1 day, day + 2 days)`, cut to what ClickHouse's
 * DateTime can hold (1970-01-01 to 2106-02-07). Both ends are whole minutes, so a view is inside
 * exactly when its minute is.
 */
export function viewTimeWindow(day: string): ViewTimeWindow {
  const start = parseDay(day);
  if (!start) throw new RangeError(`not a day: ${day}`);
  const fromMs = Math.max(0, start.getTime() - VIEW_FOLDER_SLACK_DAYS * DAY_MS);
  const toMs = Math.min(STORABLE_END_MS, start.getTime() + (VIEW_FOLDER_SLACK_DAYS + 1) * DAY_MS);
  return { day, fromMs, toMs, firstDay: formatDay(new Date(fromMs)), lastDay: formatDay(new Date(toMs - 1)) };
}

/**
 * The folder days whose windows can hold a view in `[firstMs, lastMs]`: the days of the range
 * widened by VIEW_FOLDER_SLACK_DAYS each side. These are the partitions a query reads.
 */
export function viewFolderDays(firstMs: number, lastMs: number): { first: string; last: string } {
  const slackMs = VIEW_FOLDER_SLACK_DAYS * DAY_MS;
  return { first: formatDay(new Date(firstMs - slackMs)), last: formatDay(new Date(lastMs + slackMs)) };
}

/**
 * The longest day range one backfill may cover: ten years of days. `POST /jobs/backfill`, `ctr
 * backfill` and `ctr rebuild` refuse more, so that a typo in a year cannot plan (or, with
 * --allow-empty, empty) decades of days.
 */
export const MAX_BACKFILL_DAYS = 3_660;

/** How many days `from`..`to` covers, both included (0 when `to` is before `from`). */
export function dayCount(from: Date, to: Date): number {
  return Math.max(0, Math.round((to.getTime() - from.getTime()) / DAY_MS) + 1);
}
