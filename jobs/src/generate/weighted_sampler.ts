import type { Random } from "./prng.ts";

/**
 * Draws index i with probability weights[i] / sum(weights) in O(1) (Vose's alias method): the
 * generator draws one product per view, millions of times per run.
 */
export class WeightedSampler {
  private readonly probability: Float64Array;
  private readonly alias: Uint32Array;

  constructor(weights: ArrayLike<number>) {
    const n = weights.length;
    if (n === 0) throw new RangeError("WeightedSampler needs at least one weight");
    let total = 0;
    for (let i = 0; i < n; i++) total += weights[i] as number;
    this.probability = new Float64Array(n);
    this.alias = new Uint32Array(n);
    const scaled = Float64Array.from({ length: n }, (_, i) => ((weights[i] as number) * n) / total);
    const small: number[] = [];
    const large: number[] = [];
    for (const [i, p] of scaled.entries()) (p < 1 ? small : large).push(i);
    while (small.length > 0 && large.length > 0) {
      const s = small.pop() as number;
      const l = large.pop() as number;
      this.probability[s] = scaled[s] as number;
      this.alias[s] = l;
      scaled[l] = (scaled[l] as number) + (scaled[s] as number) - 1;
      (scaled[l] < 1 ? small : large).push(l);
    }
    // Whatever is left holds probability 1 up to rounding.
    for (const i of [...small, ...large]) this.probability[i] = 1;
  }

  get size(): number {
    return this.probability.length;
  }

  sample(rng: Random): number {
    const i = rng.int(this.probability.length);
    return rng.float() < (this.probability[i] as number) ? i : (this.alias[i] as number);
  }
}
