import { describe, expect, it } from "vitest";
import { stepName } from "./step_name.ts";

describe("stepName", () => {
  it("names a step from its job's name and data, as the in-process executor and the queue report it", () => {
    const files = [
      { key: "iOS/2016-02-01/a.json", size: 10, etag: "1" },
      { key: "iOS/2016-02-01/b.json", size: 20, etag: "2" },
    ];
    expect(stepName("ingest-shard", { source: "/raw", platform: "iOS", day: "2016-02-01", files })).toBe(
      "shard iOS 2016-02-01 (2 files from iOS/2016-02-01/a.json)",
    );
    expect(stepName("commit-day", { platform: "Android", day: "2016-02-02", files: [] })).toBe(
      "commit Android 2016-02-02",
    );
    expect(stepName("sync-purchases", { day: "2016-02-02" })).toBe("purchases 2016-02-02");
  });

  it("falls back to the job's name when the data does not fit the catalog", () => {
    expect(stepName("ingest-shard", { files: "nope" })).toBe("ingest-shard");
    expect(stepName("something-else", {})).toBe("something-else");
  });
});
