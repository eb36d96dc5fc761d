import { Random } from "@ctr/jobs";

/** The front-end's commonest request: one product, one GMT-3 day, aggregation 60. */
export interface DayRequest {
  product: string;
  /** The GMT-3 day, `YYYY-MM-DD`. */
  day: string;
}

/** The next day of `YYYY-MM-DD`. */
function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

/** The /ctr query string of a request, as the front-end sends it. */
export function ctrPath(request: DayRequest): string {
  const query = new URLSearchParams({
    startTimestamp: `${request.day} 00:00:00`,
    endTimestamp: `${nextDay(request.day)} 00:00:00`,
    aggregation: "60",
    product: request.product,
  });
  return `/ctr?${query}`;
}

/**
 * `count` different (product, day) pairs drawn uniformly from the products with views and the days,
 * deterministically from the seed: no two requests of a run ask the same question.
 */
export function drawDistinct(
  products: readonly string[],
  days: readonly string[],
  count: number,
  seed: string,
): DayRequest[] {
  const capacity = products.length * days.length;
  if (count > capacity)
    throw new Error(`${count} different requests wanted, only ${capacity} (product, day) pairs exist`);
  const rng = Random.derive(seed, "bench-api-week-requests");
  const seen = new Set<number>();
  const drawn: DayRequest[] = [];
  while (drawn.length < count) {
    const k = rng.int(capacity);
    if (seen.has(k)) continue;
    seen.add(k);
    drawn.push({
      product: products[k % products.length] as string,
      day: days[Math.floor(k / products.length)] as string,
    });
  }
  return drawn;
}

/**
 * A request stream in which each request repeats, with probability `repeatRate`, one of the last
 * `window` requests sent (uniformly), and otherwise asks the next new pair of `fresh`.
 */
export function withRepeats(
  fresh: readonly DayRequest[],
  count: number,
  repeatRate: number,
  window: number,
  seed: string,
): DayRequest[] {
  const rng = Random.derive(seed, "bench-api-week-repeats");
  const stream: DayRequest[] = [];
  let next = 0;
  while (stream.length < count) {
    if (stream.length > 0 && rng.chance(repeatRate)) {
      const recent = Math.min(window, stream.length);
      stream.push(stream[stream.length - 1 - rng.int(recent)] as DayRequest);
    } else {
      const request = fresh[next++];
      if (request === undefined) throw new Error(`the repeat stream ran out of ${fresh.length} fresh requests`);
      stream.push(request);
    }
  }
  return stream;
}
