import { describe, expect, it } from "vitest";
import { daysByMonth, lastDayOfMonth, monthPartitionId } from "./month_partition.ts";

describe("month partitions", () => {
  it("names a day's month as ClickHouse's toYYYYMM partition id", () => {
    expect(monthPartitionId("2016-02-29")).toBe("201602");
    expect(monthPartitionId("1999-12-31")).toBe("199912");
    expect(() => monthPartitionId("2016-02-30")).toThrow(/not a day/);
    expect(() => monthPartitionId("201602'; DROP")).toThrow(/not a day/);
  });

  it("groups days by month, and knows a month's last day", () => {
    expect(daysByMonth(["2016-01-30", "2016-01-31", "2016-02-01", "2016-03-01"])).toEqual([
      ["2016-01-30", "2016-01-31"],
      ["2016-02-01"],
      ["2016-03-01"],
    ]);
    expect(lastDayOfMonth("2016-02-01")).toBe("2016-02-29");
    expect(lastDayOfMonth("2015-02-10")).toBe("2015-02-28");
    expect(lastDayOfMonth("2016-12-05")).toBe("2016-12-31");
  });
});
