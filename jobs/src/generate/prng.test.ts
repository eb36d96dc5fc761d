import { describe, expect, it } from "vitest";
import { Random } from "./prng.ts";

describe("Random", () => {
  it("repeats its stream for the same seed and differs for another", () => {
    const draw = (seed: string) => {
      const rng = Random.derive(seed, "events", "iOS", "2016-02-01");
      return Array.from({ length: 5 }, () => rng.uint32());
    };
    expect(draw("1")).toEqual(draw("1"));
    expect(draw("2")).not.toEqual(draw("1"));
  });

  it("makes 19-digit ids above 2^53 and below 2^63 whose digits survive exactly", () => {
    const rng = new Random("ids");
    for (let i = 0; i < 1_000; i++) {
      const id = rng.id64();
      expect(id).toMatch(/^[1-8]\d{18}$/);
      const exact = BigInt(id);
      expect(exact > 2n ** 53n && exact < 2n ** 63n).toBe(true);
      expect(exact.toString()).toBe(id);
    }
  });

  it("draws integers in range, roughly uniformly", () => {
    const rng = new Random("uniform");
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 40_000; i++) {
      const k = rng.int(4);
      counts[k] = (counts[k] ?? 0) + 1;
    }
    for (const count of counts) expect(count).toBeGreaterThan(9_000);
  });
});
