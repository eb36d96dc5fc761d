/** Latency figures of a series of timed calls, in ms. */
export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  mean: number;
  perSecond: number;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

export function summarize(latencies: readonly number[], elapsedMs: number): LatencySummary {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    mean: sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length),
    perSecond: (sorted.length / elapsedMs) * 1000,
  };
}

/**
 * Calls `call` from `concurrency` loops until `seconds` have passed (and at least `minCalls`
 * finished), timing each call: the same closed-loop load autocannon puts on the HTTP API.
 */
export async function timeClosedLoop(
  call: () => Promise<void>,
  { concurrency, seconds, minCalls }: { concurrency: number; seconds: number; minCalls: number },
): Promise<LatencySummary> {
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const loops = Array.from({ length: concurrency }, async () => {
    while (performance.now() < deadline || latencies.length < minCalls) {
      const t0 = performance.now();
      await call();
      latencies.push(performance.now() - t0);
    }
  });
  await Promise.all(loops);
  return summarize(latencies, performance.now() - started);
}
