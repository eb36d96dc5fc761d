import { describe, expect, it } from "vitest";
import { buildCatalog, CATALOG_SIZE, unviewedProductCode } from "./catalog.ts";
import { Random } from "./prng.ts";

describe("buildCatalog", () => {
  it("holds distinct NNNNNNNN_NNN codes, the same for the same seed", () => {
    const catalog = buildCatalog("1");
    expect(new Set(catalog.products).size).toBe(CATALOG_SIZE);
    for (const code of catalog.products) expect(code).toMatch(/^\d{8}_\d{3}$/);
    expect(buildCatalog("1").products).toEqual(catalog.products);
    expect(buildCatalog("2").products).not.toEqual(catalog.products);
  });

  it("draws views skewed like the real sample: ~200 for the top product, ~4,000 products, a long tail", () => {
    const catalog = buildCatalog("1");
    const rng = new Random("views");
    const counts = new Uint32Array(CATALOG_SIZE);
    // One platform-day at scale 1 (the sample: 47,633 views; top 204; 4,051 products).
    for (let i = 0; i < 47_633; i++) {
      const index = catalog.popularity.sample(rng);
      counts[index] = (counts[index] ?? 0) + 1;
    }
    const sorted = [...counts].sort((a, b) => b - a);
    expect(sorted[0]).toBeGreaterThan(150);
    expect(sorted[0]).toBeLessThan(260);
    const distinct = sorted.filter((n) => n > 0).length;
    expect(distinct).toBeGreaterThan(3_500);
    expect(distinct).toBeLessThan(4_800);
    expect(sorted.filter((n) => n === 1).length).toBeGreaterThan(500);
  });

  it("makes bought-but-never-viewed codes outside every catalog", () => {
    const catalog = new Set(buildCatalog("1").products);
    const rng = new Random("unviewed");
    for (let i = 0; i < 100; i++) {
      const code = unviewedProductCode(rng);
      expect(code).toMatch(/^3\d{7}_\d{3}$/);
      expect(catalog.has(code)).toBe(false);
    }
  });
});
