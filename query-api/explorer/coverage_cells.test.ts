import { describe, expect, it } from "vitest";
import { coverageRows, latestLoadedDay } from "./coverage_cells.js";

const days = { views: ["2016-02-01", "2016-02-02"], purchases: ["2016-02-01"] };

describe("coverageRows", () => {
  it("marks each platform-day complete, partial or missing, and purchase days synced or missing", () => {
    const rows = coverageRows(
      {
        views: [
          { platform: "iOS", day: "2016-02-01", files: 3, views: 10 },
          { platform: "iOS", day: "2016-02-02", status: "complete" },
          {
            platform: "Android",
            day: "2016-02-01",
            status: "partial",
            failedFiles: ["a.json.gz", { file: "b.json", reason: "unexpected end of file" }],
          },
          { platform: "Android", day: "2016-01-31" },
        ],
        purchases: [{ day: "2016-02-01", orderItems: 7 }],
      },
      days,
    );
    const statuses = Object.fromEntries(rows.map((row) => [row.label, row.cells.map((cell) => cell.status)]));
    expect(statuses).toEqual({
      "Android views": ["partial", "missing"],
      "MobileWeb views": ["missing", "missing"],
      "iOS views": ["complete", "complete"],
      purchases: ["complete"],
    });
    expect(rows[0]?.cells[0]?.title).toMatch(/partial.*failed: a\.json\.gz, b\.json \(unexpected end of file\)$/);
    expect(rows[2]?.cells[0]?.title).toMatch(/3 files, 10 views/);
  });

  it("reads an empty answer as nothing loaded", () => {
    const rows = coverageRows({}, days);
    expect(rows.flatMap((row) => row.cells).every((cell) => cell.status === "missing")).toBe(true);
    expect(latestLoadedDay({})).toBeUndefined();
    expect(
      latestLoadedDay({
        views: [
          { platform: "iOS", day: "2016-02-03" },
          { platform: "Android", day: "2016-02-04" },
          { platform: "iOS", day: "2016-02-01" },
        ],
      }),
    ).toBe("2016-02-03");
    // No day has its next folder: the latest there is.
    expect(
      latestLoadedDay({
        views: [
          { platform: "iOS", day: "2016-02-01" },
          { platform: "iOS", day: "2016-02-05" },
        ],
      }),
    ).toBe("2016-02-05");
  });
});
