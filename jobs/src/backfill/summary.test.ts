import { describe, expect, it } from "vitest";
import { exitCodeOf, formatSummary, summarize } from "./summary.ts";

const manifest = (file: string, views: number, malformed: number) => ({
  file,
  size: 1024 * 1024,
  etag: "1",
  batches: views + malformed,
  events: views + 1,
  views,
  ignored: 1,
  malformed,
  status: "loaded" as const,
  reason: "",
  malformed_locations: Array.from({ length: malformed }, (_, i) => ({
    file,
    position: `line ${i + 1}`,
    reason: "invalid JSON",
  })),
});

describe("the backfill summary", () => {
  const plan = {
    source: "/src",
    days: [],
    purchaseDays: ["2016-02-01"],
    totalFiles: 2,
    totalBytes: 2,
    allowEmpty: false,
  };
  const outcome = {
    shards: [
      { platform: "iOS" as const, day: "2016-02-01", files: [manifest("a.json", 10, 2), manifest("b.json", 5, 0)] },
    ],
    commits: [{ platform: "iOS" as const, day: "2016-02-01", files: 2, rows: 7, views: 15, failedFiles: [] }],
    purchases: [{ day: "2016-02-01", rows: 3, purchases: 4, unmapped: 0, excluded: 0 }],
    refused: [],
    failures: [{ step: "shard iOS 2016-02-02", message: "c.json.gz: bad gzip data" }],
  };

  it("adds up files, bytes, events, views, ignored, malformed and rows written", () => {
    expect(summarize(plan, outcome)).toMatchObject({
      files: 2,
      bytes: 2 * 1024 * 1024,
      events: 17,
      views: 15,
      ignored: 2,
      malformed: 2,
      viewRowsWritten: 7,
      purchaseRowsWritten: 3,
      purchases: 4,
    });
  });

  it("lists malformed records with file and position, and the failures", () => {
    const text = formatSummary(summarize(plan, outcome));
    expect(text).toContain("a.json line 2: invalid JSON");
    expect(text).toContain("malformed   2");
    expect(text).toContain("shard iOS 2016-02-02: c.json.gz: bad gzip data");
  });

  it("counts with thousands separators and singular nouns for one", () => {
    const big = { ...summarize(plan, outcome), files: 1, views: 1_234_567, viewRowsWritten: 12_345, committedDays: 1 };
    const text = formatSummary(big);
    expect(text).toContain("files       1 (");
    expect(text).toContain("views       1,234,567");
    expect(text).toContain("rows written 12,345 view rows (1 platform-day)");
    expect(text).not.toMatch(/\b1 (files|platform-days|purchases)\b/);
  });

  it("says what a daily run re-read and that its days were rewritten whole", () => {
    const text = formatSummary(summarize(plan, outcome), { run: "daily" });
    expect(text).toMatch(/^files read {2}\d+ \([\d.]+ MB\), new or changed since they were loaded$/m);
    expect(text).toContain("each rewritten whole from its Parquet");
  });

  it("names the platform-days a daily run committed, day by day", () => {
    const commit = (platform: "iOS" | "Android", day: string) => ({
      platform,
      day,
      files: 1,
      rows: 1,
      views: 1,
      failedFiles: [],
    });
    const commits = [commit("iOS", "2016-03-01"), commit("iOS", "2016-02-01"), commit("Android", "2016-03-01")];
    const text = formatSummary(summarize(plan, { ...outcome, commits }), { run: "daily" });
    expect(text).toContain("\ncommitted   2016-02-01 (iOS), 2016-03-01 (Android, iOS)\n");
    expect(formatSummary(summarize(plan, { ...outcome, commits: [] }), { run: "daily" })).toContain(
      "\ncommitted   no platform-day\n",
    );
  });

  it("lists malformed records in file order, whichever shard finished first", () => {
    const shard = (file: string) => ({ platform: "iOS" as const, day: "2016-02-01", files: [manifest(file, 1, 1)] });
    const early = summarize(plan, { ...outcome, shards: [shard("a.json"), shard("b.json")] });
    const late = summarize(plan, { ...outcome, shards: [shard("b.json"), shard("a.json")] });
    expect(late.malformedLocations.map((m) => m.file)).toEqual(["a.json", "b.json"]);
    expect(late).toEqual(early);
  });

  it("lists partial days with each failed file and refused days with what to do; exit 3 only when nothing else went wrong", () => {
    const partial = {
      ...outcome,
      failures: [],
      commits: [
        {
          platform: "iOS" as const,
          day: "2016-02-01",
          files: 3,
          rows: 7,
          views: 15,
          failedFiles: [{ file: "iOS/2016-02-01/c.json.gz", reason: "bad gzip data: unexpected end of file" }],
        },
      ],
    };
    const summary = summarize(plan, partial);
    expect(summary.failedFiles).toEqual([
      {
        platform: "iOS",
        day: "2016-02-01",
        file: "iOS/2016-02-01/c.json.gz",
        reason: "bad gzip data: unexpected end of file",
      },
    ]);
    expect(formatSummary(summary)).toContain("  iOS/2016-02-01/c.json.gz: bad gzip data: unexpected end of file");
    expect(exitCodeOf(summary)).toBe(3);
    const refusal = {
      step: "views iOS 2016-02-02",
      message: "re-run with --allow-empty",
      missingFiles: [],
      missingCount: 1,
    };
    const refused = summarize(plan, { ...partial, refused: [refusal] });
    expect(formatSummary(refused)).toContain(
      "REFUSED     1 day left as they were:\n  views iOS 2016-02-02: re-run with --allow-empty",
    );
    expect(exitCodeOf(refused)).toBe(1);
    expect(exitCodeOf(summarize(plan, outcome))).toBe(1);
    expect(exitCodeOf(summarize(plan, { ...outcome, failures: [] }))).toBe(0);
  });
});
