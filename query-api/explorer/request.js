// What the page asks the API, as text: the /ctr (or /ctr/totals) and /ctr/top requests, the curl,
// and the days a range touches.
// No DOM here: unit tests run it in Node.

/**
 * The /ctr fields as the form holds them; an empty string means "not given".
 * @typedef {{ startTimestamp: string, endTimestamp: string, aggregation: string, product: string, platform: string }} CtrFields
 */

/** The /ctr parameters, in the order the API documents them. */
export const CTR_FIELDS = /** @type {const} */ ([
  "startTimestamp",
  "endTimestamp",
  "aggregation",
  "product",
  "platform",
]);

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** GMT-3 wall-clock time is UTC minus three hours, all year. */
const GMT3_MS = 3 * 60 * MINUTE_MS;
/** The coverage strip draws at most this many days; a longer range is summarized. */
export const MAX_STRIP_DAYS = 62;

/**
 * A query string with the given fields, empty ones left out. Values are percent-encoded except `:`,
 * which a query allows, so the timestamps stay readable in the copied command.
 * @param {Record<string, string>} fields
 * @returns {string}
 */
export function queryString(fields) {
  return Object.entries(fields)
    .filter(([, value]) => value !== "")
    .map(([name, value]) => `${name}=${encodeURIComponent(value).replaceAll("%3A", ":")}`)
    .join("&");
}

/**
 * The path and query of the request for the fields: /ctr for one product, /ctr/totals (the same
 * fields but product) for all of them.
 * @param {CtrFields} fields
 */
export function ctrPath(fields) {
  /** @type {Record<string, string>} */
  const ordered = {};
  for (const name of CTR_FIELDS) ordered[name] = fields[name].trim();
  return ordered.product ? `/ctr?${queryString(ordered)}` : `/ctr/totals?${queryString(ordered)}`;
}

/** Products each top table lists. */
export const TOP_LIMIT = 10;

/**
 * The fewest views of a product in the top table by CTR. Ranking by the Wilson interval's lower end
 * already sinks thin evidence, but where most CTRs are a few percent a product bought on its one
 * view (lower end 0.2065) still outranks every well-viewed one.
 */
export const TOP_CTR_MIN_VIEWS = 20;

/**
 * The /ctr/top request for the fields' range and platform; by CTR, of products with at least
 * TOP_CTR_MIN_VIEWS views.
 * @param {CtrFields} fields
 * @param {"views" | "purchases" | "ctr"} by
 */
export function topPath(fields, by) {
  const { startTimestamp, endTimestamp, platform } = fields;
  const range = { startTimestamp: startTimestamp.trim(), endTimestamp: endTimestamp.trim(), platform };
  const minViews = by === "ctr" ? String(TOP_CTR_MIN_VIEWS) : "";
  return `/ctr/top?${queryString({ ...range, by, limit: String(TOP_LIMIT), minViews })}`;
}

/**
 * One shell word, single-quoted: nothing inside is expanded.
 * @param {string} text
 */
export function shellQuote(text) {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * The curl command for a GET of `url`. The key itself is never written into the command (it would
 * end up in chats and tickets): with keys on, the command reads it from $CTR_API_KEY.
 * @param {string} url
 * @param {{ withKey: boolean, accept?: string }} options
 */
export function curlCommand(url, { withKey, accept }) {
  const headers = [
    ...(accept ? [`-H ${shellQuote(`Accept: ${accept}`)}`] : []),
    ...(withKey ? ['-H "Authorization: Bearer $CTR_API_KEY"'] : []),
  ];
  return ["curl", ...headers, shellQuote(url)].join(" ");
}

/**
 * `YYYY-MM-DD HH:MM:SS` read as if it were UTC: the page keeps GMT-3 wall-clock times this way, so
 * that formatting them back needs no time zone. Undefined when it is not a real time.
 * @param {string} text
 * @returns {number | undefined}
 */
export function wallClockMs(text) {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text.trim());
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number);
  const ms = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second));
  return formatWallClock(ms) === text.trim() ? ms : undefined;
}

/**
 * @param {number} ms a wall-clock time kept as if UTC (see wallClockMs)
 * @returns {string} `YYYY-MM-DD HH:MM:SS`
 */
export function formatWallClock(ms) {
  return new Date(ms).toISOString().slice(0, 19).replace("T", " ");
}

/**
 * @param {string} day `YYYY-MM-DD`
 * @param {number} days
 */
export function addDays(day, days) {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/**
 * The range of one GMT-3 day: from its midnight to the next.
 * @param {string} day `YYYY-MM-DD`
 */
export function dayRange(day) {
  return { startTimestamp: `${day} 00:00:00`, endTimestamp: `${addDays(day, 1)} 00:00:00` };
}

/**
 * The days from `first` to `last`, both included, but no more than MAX_STRIP_DAYS + 1.
 * @param {string} first
 * @param {string} last
 */
function daysFrom(first, last) {
  const days = [];
  for (let day = first; day <= last && days.length <= MAX_STRIP_DAYS; day = addDays(day, 1)) days.push(day);
  return days;
}

/**
 * The days whose loads a GMT-3 range [start, end) depends on: the views' folders are UTC days, the
 * purchases' syncs GMT-3 days. Undefined when the range is not one (the API will say why), and the
 * days are cut at MAX_STRIP_DAYS with `more` set.
 * @param {string} startTimestamp
 * @param {string} endTimestamp
 * @returns {{ views: string[], purchases: string[], more: boolean } | undefined}
 */
export function coverageDays(startTimestamp, endTimestamp) {
  const start = wallClockMs(startTimestamp);
  const end = wallClockMs(endTimestamp);
  if (start === undefined || end === undefined || end <= start) return undefined;
  const day = (/** @type {number} */ ms) => new Date(ms).toISOString().slice(0, 10);
  const cut = (/** @type {string[]} */ days) => days.slice(0, MAX_STRIP_DAYS);
  const views = daysFrom(day(start + GMT3_MS), day(end - MINUTE_MS + GMT3_MS));
  const purchases = daysFrom(day(start), day(end - MINUTE_MS));
  return { views: cut(views), purchases: cut(purchases), more: views.length > MAX_STRIP_DAYS };
}
