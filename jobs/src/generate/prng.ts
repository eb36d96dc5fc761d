import { formatId64, type Id64 } from "./batch_parts.ts";

/**
 * A small seeded PRNG (sfc32, 128-bit state) so that the same arguments give byte-identical output.
 * Math.random cannot be seeded; each (seed, purpose, platform, day) gets its own stream, so a day's
 * data does not depend on which other days were generated in the same run.
 */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** A stream for the given seed and purpose, e.g. `Random.derive(seed, "events", "iOS", "2016-02-01")`. */
  static derive(...parts: (string | number)[]): Random {
    return new Random(parts.join("/"));
  }

  constructor(seed: string) {
    [this.a, this.b, this.c, this.d] = hashSeed(seed);
    // The first outputs of sfc32 still show the seed's structure: discard them.
    for (let i = 0; i < 12; i++) this.uint32();
  }

  /** A uniform 32-bit unsigned integer. */
  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A uniform float in [0, 1). */
  float(): number {
    return this.uint32() / 4_294_967_296;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** One element of a non-empty list, uniformly. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  /**
   * A 19-digit decimal id in [10^18, 9*10^18): above 2^53, below 2^63, like the sample's ids.
   * Built from digits so it never passes through a JS number.
   */
  id64(): string {
    return formatId64(this.id64Parts());
  }

  /** The same kind of id as its digit groups, for writers that print digits themselves. */
  id64Parts(): Id64 {
    return { lead: 1 + this.int(8), high: this.uint32() % 1_000_000_000, low: this.uint32() % 1_000_000_000 };
  }
}

/** cyrb128: spreads a string over four 32-bit words. */
function hashSeed(text: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}
