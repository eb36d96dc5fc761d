import { type CtrRequest, parseCtrRequest } from "@ctr/schemas";
import { describe, expect, it } from "vitest";
import { buildCtrQuery, toCtrQueryParams } from "./ctr_query.ts";

function request(fields: Record<string, unknown>): CtrRequest {
  const parsed = parseCtrRequest(fields);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.request;
}

describe("toCtrQueryParams", () => {
  it("binds the range in UTC seconds and the bucket width in seconds", () => {
    const params = toCtrQueryParams(
      request({ startTimestamp: "2016-02-01 10:03:00", endTimestamp: "2016-02-01 10:20:00", aggregation: 7 }),
    );
    expect(params.start).toBe(Date.UTC(2016, 1, 1, 13, 3) / 1000);
    expect(params.end).toBe(Date.UTC(2016, 1, 1, 13, 20) / 1000);
    expect(params.step).toBe(420);
  });

  it("reads purchases of the GMT-3 days in range, and views' folder days with a day of slack", () => {
    // 2016-01-31 22:00 .. 2016-02-01 02:00 GMT-3 is 2016-02-01 01:00 .. 05:00 UTC.
    const params = toCtrQueryParams(
      request({ startTimestamp: "2016-01-31 22:00:00", endTimestamp: "2016-02-01 02:00:00", aggregation: 60 }),
    );
    expect([params.purchasesFirstDay, params.purchasesLastDay]).toEqual(["2016-01-31", "2016-02-01"]);
    expect([params.viewsFirstDay, params.viewsLastDay]).toEqual(["2016-01-31", "2016-02-02"]);
  });

  it("does not count the exclusive end's day", () => {
    const params = toCtrQueryParams(
      request({ startTimestamp: "2016-02-01 00:00:00", endTimestamp: "2016-02-02 00:00:00", aggregation: 60 }),
    );
    expect([params.purchasesFirstDay, params.purchasesLastDay]).toEqual(["2016-02-01", "2016-02-01"]);
  });
});

describe("buildCtrQuery", () => {
  const base = { startTimestamp: "2016-02-01 10:00:00", endTimestamp: "2016-02-01 11:00:00", aggregation: 60 };

  it("keeps the client's values out of the SQL text", () => {
    const hostile = "x' OR 1=1; DROP TABLE purchases_per_minute_v1 --";
    const query = buildCtrQuery(request({ ...base, product: hostile, platform: "ios" }));
    expect(query.rows).not.toContain(hostile);
    expect(query.rows).toContain("product = {product:String}");
    expect(query.rows).toContain("platform = {platform:String}");
    expect(query.params.product).toBe(hostile);
    expect(query.params.platform).toBe("iOS");
  });

  it("adds no filter for an absent product or platform", () => {
    const query = buildCtrQuery(request(base));
    expect(query.rows).not.toContain("{product:String}");
    expect(query.rows).not.toContain("{platform:String}");
    expect(query.params).not.toHaveProperty("product");
  });

  it("combines the per-minute tables with one UNION ALL and one GROUP BY", () => {
    const { rows } = buildCtrQuery(request({ ...base, startTimestamp: "2016-02-01 10:01:00" }));
    expect(rows).toContain("FROM product_views_per_minute_v1");
    expect(rows.match(/UNION ALL/g)).toHaveLength(1);
    expect(rows.match(/GROUP BY/g)).toHaveLength(1);
    expect(rows).not.toContain("JOIN");
  });

  it("reads a CTR rollup, which holds both counts, with no UNION and no partition filter of its own", () => {
    const { rows } = buildCtrQuery(request(base));
    expect(rows).toContain("FROM ctr_per_hour_v1");
    expect(rows).not.toContain("UNION");
    expect(rows).not.toContain("day BETWEEN");
    expect(rows.match(/GROUP BY/g)).toHaveLength(1);
  });
});
