import type { SourceFile } from "@ctr/schemas";
import { describe, expect, it } from "vitest";
import { backfillJobId } from "../backfill/job_ids.ts";
import { type BackfillPlan, plannedTotals } from "../backfill/plan.ts";
import { buildBackfillFlow } from "./backfill_flow.ts";

const file = (key: string, size = 10, etag = "e1"): SourceFile => ({ key, size, etag });

function planOf(files: SourceFile[]): BackfillPlan {
  return {
    source: "s3://bucket/landing",
    days: [
      {
        platform: "iOS",
        day: "2016-02-01",
        files,
        skipped: 1,
        shards: files.map((f) => ({
          source: "s3://bucket/landing",
          platform: "iOS" as const,
          day: "2016-02-01",
          files: [f],
        })),
      },
    ],
    purchaseDays: ["2016-02-01"],
    totalFiles: files.length,
    totalBytes: files.reduce((n, f) => n + f.size, 0),
    allowEmpty: false,
  };
}

const REQUEST = { from: "2016-02-01", to: "2016-02-01", platforms: ["iOS" as const] };

describe("backfill job ids", () => {
  it("are the same for the same files, and differ when a file is new or changed", () => {
    const a = backfillJobId(REQUEST, planOf([file("iOS/2016-02-01/a.json")]));
    expect(backfillJobId(REQUEST, planOf([file("iOS/2016-02-01/a.json")]))).toBe(a);
    expect(backfillJobId(REQUEST, planOf([file("iOS/2016-02-01/a.json", 10, "e2")]))).not.toBe(a);
    expect(backfillJobId(REQUEST, planOf([file("iOS/2016-02-01/a.json", 11)]))).not.toBe(a);
    expect(backfillJobId(REQUEST, planOf([file("iOS/2016-02-01/a.json"), file("iOS/2016-02-01/b.json")]))).not.toBe(a);
    expect(a).toMatch(/^backfill\.2016-02-01\.2016-02-01\.iOS\.[0-9a-f]{20}$/);
    // The state of the purchase days' orders is part of it: new orders, a new id.
    const plan = planOf([file("iOS/2016-02-01/a.json")]);
    expect(backfillJobId(REQUEST, plan, "orders one")).toBe(backfillJobId(REQUEST, plan, "orders one"));
    expect(backfillJobId(REQUEST, plan, "orders two")).not.toBe(backfillJobId(REQUEST, plan, "orders one"));
    expect(a).not.toContain(":");
  });
});

describe("the flow of a plan", () => {
  it("has one commit per (platform, day) over its shards, and one purchase sync per day, with the catalog's retries", () => {
    const plan = planOf([file("iOS/2016-02-01/a.json", 5), file("iOS/2016-02-01/b.json", 7)]);
    const { id, flow } = buildBackfillFlow(REQUEST, plan, "ctr");
    expect(flow.opts?.jobId).toBe(id);
    expect(flow.data).toMatchObject({ totalFiles: 2, totalBytes: 12, skippedObjects: 1 });
    const [commit, purchases] = flow.children ?? [];
    expect(commit?.name).toBe("commit-day");
    expect(commit?.data.files).toHaveLength(2);
    expect(commit?.children?.map((c) => c.opts?.jobId)).toEqual([
      `${id}.shard.iOS.2016-02-01.0`,
      `${id}.shard.iOS.2016-02-01.1`,
    ]);
    expect(commit?.children?.[0]?.opts).toMatchObject({
      attempts: 5,
      ignoreDependencyOnFailure: true,
      backoff: { type: "exponential" },
    });
    expect(purchases).toMatchObject({ name: "sync-purchases", data: { day: "2016-02-01" } });
    expect(plannedTotals(plan)).toEqual({ files: 2, bytes: 12 });
  });

  it("carries --allow-empty to every commit and purchase sync, and gives the flow another id", () => {
    const plan = planOf([file("iOS/2016-02-01/a.json")]);
    const allowed = buildBackfillFlow(REQUEST, { ...plan, allowEmpty: true }, "ctr");
    expect(allowed.id).not.toBe(buildBackfillFlow(REQUEST, plan, "ctr").id);
    expect(allowed.flow.data).toMatchObject({ allowEmpty: true });
    expect(allowed.flow.children?.map((c) => [c.name, c.data.allowEmpty])).toEqual([
      ["commit-day", true],
      ["sync-purchases", true],
    ]);
    const refused = buildBackfillFlow(REQUEST, plan, "ctr");
    expect(refused.flow.children?.map((c) => c.data.allowEmpty)).toEqual([false, false]);
  });
});
