import { describe, expect, it } from "vitest";
import { VIEW_FOLDER_SLACK_DAYS, viewFolderDays, viewTimeWindow } from "./time.ts";

describe("viewTimeWindow", () => {
  it("is the folder's UTC day widened by the slack each side", () => {
    expect(VIEW_FOLDER_SLACK_DAYS).toBe(1);
    expect(viewTimeWindow("2016-02-01")).toEqual({
      day: "2016-02-01",
      fromMs: Date.UTC(2016, 0, 31),
      toMs: Date.UTC(2016, 1, 3),
      firstDay: "2016-01-31",
      lastDay: "2016-02-02",
    });
  });

  it("is cut to the minutes ClickHouse's DateTime holds", () => {
    expect(viewTimeWindow("1970-01-01")).toMatchObject({ fromMs: 0, firstDay: "1970-01-01" });
    // 2106-02-07 06:28:00 UTC is the last whole minute of DateTime (UInt32 seconds).
    expect(viewTimeWindow("2106-02-07")).toMatchObject({ toMs: Date.UTC(2106, 1, 7, 6, 29), lastDay: "2106-02-07" });
  });

  it("refuses what is not a day", () => {
    expect(() => viewTimeWindow("2016-02-30")).toThrow("not a day: 2016-02-30");
  });
});

describe("viewFolderDays", () => {
  it("reads exactly the folders whose windows can hold a time in range", () => {
    const first = Date.UTC(2016, 1, 1, 10);
    const last = Date.UTC(2016, 1, 1, 11) - 1;
    const days = viewFolderDays(first, last);
    expect(days).toEqual({ first: "2016-01-31", last: "2016-02-02" });
    // The first and last folder's windows hold the range; the folders beyond do not.
    for (const day of [days.first, days.last]) {
      const window = viewTimeWindow(day);
      expect(window.fromMs <= first && last < window.toMs).toBe(true);
    }
    expect(viewTimeWindow("2016-01-30").toMs).toBeLessThanOrEqual(first);
    expect(viewTimeWindow("2016-02-03").fromMs).toBeGreaterThan(last);
  });
});
