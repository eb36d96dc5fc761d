import { parseCtrRequest } from "@ctr/schemas";
import { describe, expect, it } from "vitest";
import { maxRowsOfProduct } from "./ctr_route.ts";

function request(fields: Record<string, string>) {
  const parsed = parseCtrRequest({
    startTimestamp: "2016-02-01 10:03:00",
    endTimestamp: "2016-02-01 11:00:00",
    ...fields,
  });
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.request;
}

describe("maxRowsOfProduct: the row bound known without the store", () => {
  it("is a row per bucket (the cut last one included) and platform for one product", () => {
    // 57 minutes in 7-minute buckets: 8 full ones and a cut ninth.
    expect(maxRowsOfProduct(request({ aggregation: "7", product: "p" }))).toBe(9 * 3);
    expect(maxRowsOfProduct(request({ aggregation: "7", product: "p", platform: "ios" }))).toBe(9);
    expect(maxRowsOfProduct(request({ aggregation: "60", product: "p" }))).toBe(3);
  });

  it("is unknown (infinite) without a product: the store must count", () => {
    expect(maxRowsOfProduct(request({ aggregation: "60", platform: "ios" }))).toBe(Number.POSITIVE_INFINITY);
  });
});
