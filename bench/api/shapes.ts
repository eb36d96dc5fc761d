import type { ApiStoreSpec } from "./store.ts";
import { productCode } from "./store.ts";

/** The request timeout of the API under test (the product's default, REQUEST_TIMEOUT_MS, is 30 s). */
export const BENCH_REQUEST_TIMEOUT_MS = 300_000;

/** One /ctr request the load test repeats. */
export interface ApiShape {
  name: string;
  /** The request's query-string fields, as a client sends them. */
  query: Record<string, string>;
  /** A small result, held to the overhead and p99 targets. */
  small: boolean;
}

/** GMT-3 wall clock of a UTC day's start + `days`, as the API takes it (`YYYY-MM-DD HH:MM:SS`). */
function gmt3Midnight(firstDay: string, days: number): string {
  const ms = Date.parse(`${firstDay}T00:00:00Z`) + days * 86_400_000;
  return `${new Date(ms).toISOString().slice(0, 10)} 00:00:00`;
}

/** The three shapes measured over a store: one product, one platform, everything. */
export function apiShapes(spec: ApiStoreSpec): ApiShape[] {
  // A day in the middle of the store: every minute of it has data on both sides.
  const middle = Math.floor(spec.days / 2);
  const day = {
    startTimestamp: gmt3Midnight(spec.firstDay, middle),
    endTimestamp: gmt3Midnight(spec.firstDay, middle + 1),
  };
  return [
    {
      name: "1 product × 1 day × 60 min",
      query: { ...day, aggregation: "60", product: productCode(0) },
      small: true,
    },
    { name: "1 platform × 1 day × 10 min", query: { ...day, aggregation: "10", platform: "Android" }, small: false },
    {
      // GMT-3 days: the last bucket misses its final 3 hours, which lie past the store's last UTC day.
      name: `${spec.days} days × 1440 min, all`,
      query: {
        startTimestamp: gmt3Midnight(spec.firstDay, 0),
        endTimestamp: gmt3Midnight(spec.firstDay, spec.days),
        aggregation: "1440",
      },
      small: false,
    },
  ];
}
