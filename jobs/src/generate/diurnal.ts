import type { Random } from "./prng.ts";
import { WeightedSampler } from "./weighted_sampler.ts";

/**
 * Relative traffic per GMT-3 local hour (0..23): quiet before dawn, busy through the day, peaking in the
 * evening, as shop traffic in Brazil does.
 */
const LOCAL_HOUR_WEIGHTS = [
  3, 2, 1.5, 1, 1, 1, 1.5, 2.5, 4, 5, 6, 6.5, 7, 6.5, 6.5, 6.5, 6.5, 7, 7.5, 8.5, 9.5, 10, 8, 5,
] as const;

const HOUR_MS = 3_600_000;
const localHours = new WeightedSampler(LOCAL_HOUR_WEIGHTS);
// UTC hour h is GMT-3 local hour h - 3.
const utcHours = new WeightedSampler(Array.from({ length: 24 }, (_, h) => LOCAL_HOUR_WEIGHTS[(h + 21) % 24] as number));

/** Whole milliseconds since the start of a UTC day, following the GMT-3 daily rhythm. */
export function sampleUtcMillisOfDay(rng: Random): number {
  return utcHours.sample(rng) * HOUR_MS + rng.int(HOUR_MS);
}

/** Whole seconds since the start of a GMT-3 day, following the same rhythm. */
export function sampleLocalSecondOfDay(rng: Random): number {
  return localHours.sample(rng) * 3_600 + rng.int(3_600);
}
