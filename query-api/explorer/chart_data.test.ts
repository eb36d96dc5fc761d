import { describe, expect, it } from "vitest";
import { type CtrRow, countPoints, toChartData } from "./chart_data.js";

const request = { startTimestamp: "2016-02-01 10:00:00", endTimestamp: "2016-02-01 12:30:00", aggregation: "60" };
const row = (timestamp: string, platform: string, CTR: number | null, purchases: number, productViews: number) =>
  ({ timestamp, platform, product: "P", CTR, purchases, productViews }) satisfies CtrRow;
const seconds = (text: string) => Date.UTC(2016, 1, 1, Number(text.slice(0, 2)), Number(text.slice(3, 5))) / 1000;

describe("toChartData", () => {
  it("puts each row in one cell of its platform's series, at its bucket", () => {
    const rows = [
      row("2016-02-01 10:00:00", "Android", 0.5, 1, 2),
      row("2016-02-01 10:00:00", "iOS", null, 1, 0),
      row("2016-02-01 12:00:00", "iOS", 0.25, 1, 4),
    ];
    const data = toChartData(rows, request);
    if ("reason" in data) throw new Error(data.reason);
    // Every bucket of the range: 11:00 has no row.
    expect(data.x).toEqual([seconds("10:00"), seconds("11:00"), seconds("12:00")]);
    expect(data.platforms).toEqual(["Android", "iOS"]);
    // No row: a gap in CTR (null), and no view or purchase (0), never a line drawn across.
    expect(data.ctr).toEqual([
      [0.5, null, null],
      [null, null, 0.25],
    ]);
    expect(data.views).toEqual([
      [2, 0, 0],
      [0, 0, 4],
    ]);
    expect(data.purchases).toEqual([
      [1, 0, 0],
      [1, 0, 1],
    ]);
    expect(data.rowsAt).toEqual([rows.slice(0, 2), [], rows.slice(2)]);
    // A row without views has no CTR point.
    expect(countPoints(data.ctr)).toBe(2);
  });

  it("charts /ctr/totals' rows, which have no product", () => {
    const totals = [{ timestamp: "2016-02-01 11:00:00", platform: "iOS", CTR: 0.1, purchases: 1, productViews: 10 }];
    const data = toChartData(totals, request);
    if ("reason" in data) throw new Error(data.reason);
    expect(data.ctr).toEqual([[null, 0.1, null]]);
  });

  it("spans the requested range up to its last (cut) bucket, so empty buckets show as gaps", () => {
    const data = toChartData([row("2016-02-01 11:00:00", "iOS", 0, 0, 1)], request);
    if ("reason" in data) throw new Error(data.reason);
    expect(data.xRange).toEqual([seconds("10:00"), seconds("12:00")]);
  });

  it("explains why there is no chart", () => {
    expect(toChartData([], request)).toEqual({ reason: expect.stringMatching(/^No rows/) });
    const two = [
      row("2016-02-01 10:00:00", "iOS", 0, 0, 1),
      { ...row("2016-02-01 10:00:00", "iOS", 0, 0, 1), product: "Q" },
    ];
    expect(toChartData(two, request)).toEqual({ reason: expect.stringMatching(/^2 products: pick one/) });
    const many = Array.from({ length: 4006 }, (_, i) => ({
      ...row("2016-02-01 10:00:00", "iOS", 0, 0, 1),
      product: `P${i}`,
    }));
    expect(toChartData(many, request)).toEqual({ reason: expect.stringMatching(/^4,006 products: pick one/) });
  });
});
