import { describe, expect, it } from "vitest";
import { backfillJobId, runId, stepJobId } from "./job_ids.ts";
import type { BackfillPlan } from "./plan.ts";

const files = [
  { key: "iOS/2016-02-01/a.json", size: 10, etag: "e1" },
  { key: "iOS/2016-02-01/b.json", size: 20, etag: "e2" },
];
const plan: BackfillPlan = {
  source: "s3://bucket/landing",
  days: [
    {
      platform: "iOS",
      day: "2016-02-01",
      files,
      skipped: 0,
      shards: [{ source: "s3://bucket/landing", platform: "iOS", day: "2016-02-01", files }],
    },
  ],
  purchaseDays: ["2016-02-01"],
  totalFiles: 2,
  totalBytes: 30,
  allowEmpty: false,
};
const range = { from: "2016-02-01", to: "2016-02-01", platforms: ["iOS" as const] };

// The values the ids had before they were made in one module: a flow kept in Redis, and a run kept in
// the store's history, must be found again under the id a user saw.
describe("job ids", () => {
  it("of a plan's flow are what they were: the queue finds a kept flow again and adds nothing", () => {
    expect(backfillJobId(range, plan)).toBe("backfill.2016-02-01.2016-02-01.iOS.6644000e0d394d51449c");
    expect(backfillJobId(range, { ...plan, allowEmpty: true })).toBe(
      "backfill.2016-02-01.2016-02-01.iOS.744ccc4a129858242f6a",
    );
  });

  it("of an in-process run are what they were: ctr status finds the runs the history kept", () => {
    expect(runId({ kind: "backfill", ...range, source: "/data/raw" })).toBe(
      "backfill.2016-02-01.2016-02-01.iOS.7e54e373e0db",
    );
    expect(runId({ kind: "backfill", ...range, source: "/data/raw", allowEmpty: true })).toBe(
      "backfill.2016-02-01.2016-02-01.iOS.a5713c10012e",
    );
    expect(
      runId({ kind: "daily", from: "2016-01-30", to: "2016-02-01", platforms: ["iOS"], source: "/data/raw" }),
    ).toBe("daily.2016-02-01.7e54e373e0db");
  });

  it("of a flow's steps are scoped by the flow", () => {
    expect(stepJobId("backfill.x", "shard", "iOS", "2016-02-01", 3)).toBe("backfill.x.shard.iOS.2016-02-01.3");
    expect(stepJobId("backfill.x", "purchases", "2016-02-01")).toBe("backfill.x.purchases.2016-02-01");
  });
});
