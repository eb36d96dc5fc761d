import type { JobCounts, MalformedRecord } from "@ctr/schemas";
import type { BackfillOutcome } from "./executor.ts";
import type { BackfillPlan } from "./plan.ts";

/** The contract's backfill summary, as numbers. */
export interface BackfillSummary extends JobCounts {
  /** The first malformed records of each file, with file and position. */
  malformedLocations: MalformedRecord[];
  skippedObjects: number;
  failures: BackfillOutcome["failures"];
}

/** Adds up what the shards, commits and purchase syncs reported. */
export function summarize(plan: BackfillPlan, outcome: BackfillOutcome): BackfillSummary {
  // Shards finish in any order; the summary lists files (and so their malformed records) by key,
  // so a re-run prints the same summary.
  const manifests = outcome.shards
    .flatMap((s) => s.files)
    .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  const sum = (pick: (m: (typeof manifests)[number]) => number) => manifests.reduce((n, m) => n + pick(m), 0);
  return {
    files: manifests.length,
    bytes: sum((m) => m.size),
    events: sum((m) => m.events),
    views: sum((m) => m.views),
    ignored: sum((m) => m.ignored),
    malformed: sum((m) => m.malformed),
    malformedLocations: manifests.flatMap((m) => m.malformed_locations),
    viewRowsWritten: outcome.commits.reduce((n, c) => n + c.rows, 0),
    committedDays: outcome.commits.length,
    purchaseRowsWritten: outcome.purchases.reduce((n, p) => n + p.rows, 0),
    purchases: outcome.purchases.reduce((n, p) => n + p.purchases, 0),
    skippedObjects: plan.days.reduce((n, d) => n + d.skipped, 0),
    failures: outcome.failures,
  };
}

const n = (value: number) => value.toLocaleString("en-US");

/** Formats the summary for the terminal; at most `maxLocations` malformed locations are listed. */
export function formatSummary(summary: BackfillSummary, maxLocations = 50): string {
  const lines = [
    `files       ${n(summary.files)} (${(summary.bytes / 1024 / 1024).toFixed(1)} MB)${summary.skippedObjects ? `, ${n(summary.skippedObjects)} other objects skipped` : ""}`,
    `events      ${n(summary.events)}`,
    `views       ${n(summary.views)}`,
    `ignored     ${n(summary.ignored)}`,
    `malformed   ${n(summary.malformed)}`,
    ...summary.malformedLocations.slice(0, maxLocations).map((m) => `  ${m.file} ${m.position}: ${m.reason}`),
    ...(summary.malformedLocations.length > maxLocations
      ? [`  ... and ${n(summary.malformedLocations.length - maxLocations)} more listed in the manifests`]
      : []),
    `rows written ${n(summary.viewRowsWritten)} view rows (${n(summary.committedDays)} platform-days), ${n(summary.purchaseRowsWritten)} purchase rows (${n(summary.purchases)} purchases)`,
  ];
  if (summary.failures.length > 0) {
    lines.push(`FAILED      ${summary.failures.length} step(s):`);
    for (const f of summary.failures) lines.push(`  ${f.step}: ${f.message}`);
  }
  return `${lines.join("\n")}\n`;
}
