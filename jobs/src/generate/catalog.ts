import { Random } from "./prng.ts";
import { WeightedSampler } from "./weighted_sampler.ts";

/** Products in the catalog; about 4,000 of them are viewed on a platform-day at scale 1, as in the sample. */
export const CATALOG_SIZE = 5_000;

/**
 * Views per day of the product at a popularity rank, read off the real sample (MobileWeb, 2016-02-01,
 * 47,633 views): rank 1 had 204 views, rank 10 143, rank 100 59, rank 1,000 13, rank 4,000 one.
 * Between anchors the curve is interpolated on log-log axes.
 */
const RANK_ANCHORS: readonly [rank: number, views: number][] = [
  [1, 204],
  [10, 143],
  [100, 59],
  [1_000, 13],
  [4_000, 1],
  [CATALOG_SIZE, 0.5],
];

/** The two most viewed products of the real sample lead our catalog too, so demos look familiar. */
const SAMPLE_TOP_PRODUCTS = ["20001829_048", "20005748_001"];

/** The products and how often each is viewed. */
export interface Catalog {
  /** Product codes (`NNNNNNNN_NNN`), most popular first. */
  readonly products: readonly string[];
  /** Draws a catalog index weighted by popularity. */
  readonly popularity: WeightedSampler;
}

/** Builds the catalog of a seed: the same seed always gives the same codes in the same order. */
export function buildCatalog(seed: string | number): Catalog {
  const rng = Random.derive(seed, "catalog");
  const codes = new Set<string>(SAMPLE_TOP_PRODUCTS);
  while (codes.size < CATALOG_SIZE) codes.add(catalogCode(rng));
  const weights = Float64Array.from({ length: CATALOG_SIZE }, (_, i) => viewsAtRank(i + 1));
  return { products: [...codes], popularity: new WeightedSampler(weights) };
}

/** A product code that is never in any catalog (catalog models start with 20): bought, never viewed. */
export function unviewedProductCode(rng: Random): string {
  return `3${String(rng.int(10_000_000)).padStart(7, "0")}_${String(1 + rng.int(99)).padStart(3, "0")}`;
}

function catalogCode(rng: Random): string {
  return `200${String(rng.int(100_000)).padStart(5, "0")}_${String(1 + rng.int(99)).padStart(3, "0")}`;
}

function viewsAtRank(rank: number): number {
  for (let i = 1; i < RANK_ANCHORS.length; i++) {
    const [r1, v1] = RANK_ANCHORS[i] as [number, number];
    if (rank > r1) continue;
    const [r0, v0] = RANK_ANCHORS[i - 1] as [number, number];
    const t = (Math.log(rank) - Math.log(r0)) / (Math.log(r1) - Math.log(r0));
    return Math.exp(Math.log(v0) + t * (Math.log(v1) - Math.log(v0)));
  }
  return (RANK_ANCHORS[RANK_ANCHORS.length - 1] as [number, number])[1];
}
