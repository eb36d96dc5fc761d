import { type LoadResult, loadPaths } from "./http_load.ts";

/** How many times each of the week's days is asked of /ctr/totals, and how many /ctr/top requests. */
const TOTALS_ROUNDS = 8;
const TOP_REQUESTS = 30;

/** The next day of `YYYY-MM-DD`. */
function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

/** /ctr/totals of one GMT-3 day by the hour: the explorer's opening chart. */
export function totalsPath(day: string): string {
  const query = new URLSearchParams({
    startTimestamp: `${day} 00:00:00`,
    endTimestamp: `${nextDay(day)} 00:00:00`,
    aggregation: "60",
  });
  return `/ctr/totals?${query}`;
}

/** /ctr/top over the whole week, by views, purchases and CTR in turn: the explorer's tables, for a week. */
export function topPaths(days: readonly string[], count: number): string[] {
  const first = days[0] as string;
  const last = days[days.length - 1] as string;
  const range = { startTimestamp: `${first} 00:00:00`, endTimestamp: `${nextDay(last)} 00:00:00` };
  const variants = [
    { ...range, by: "views", limit: "10" },
    { ...range, by: "purchases", limit: "10" },
    { ...range, by: "ctr", limit: "10", minViews: "20" },
  ];
  return Array.from({ length: count }, (_, i) => `/ctr/top?${new URLSearchParams(variants[i % variants.length])}`);
}

export interface BiAnswers {
  totals: Omit<LoadResult, "bodies">;
  top: Omit<LoadResult, "bodies">;
}

/**
 * /ctr/totals (each day of the week, aggregation 60) and /ctr/top (the whole week) one at a time on
 * a server without the result cache, so that every answer is computed: their p50 against the /ctr
 * single-product p50 of the same server and run.
 */
export async function measureBiAnswers(port: number, days: readonly string[]): Promise<BiAnswers> {
  const totalsPaths = Array.from({ length: TOTALS_ROUNDS }, () => days.map(totalsPath)).flat();
  const { bodies: _t, ...totals } = await loadPaths(port, totalsPaths, { connections: 1 });
  const { bodies: _p, ...top } = await loadPaths(port, topPaths(days, TOP_REQUESTS), { connections: 1 });
  return { totals, top };
}
