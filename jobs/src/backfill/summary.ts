import {
  type FailedFile,
  type JobCounts,
  type ListedEmptyDay,
  type MalformedRecord,
  formatCount as n,
  type Platform,
  plural,
  type RefusedDay,
} from "@ctr/schemas";
import type { BackfillOutcome } from "@ctr/workers";
import type { BackfillPlan } from "./plan.ts";

/** The contract's backfill summary, as numbers. */
export interface BackfillSummary extends JobCounts {
  /** The first malformed records of each file, with file and position. */
  malformedLocations: MalformedRecord[];
  skippedObjects: number;
  /** Top-level folders of the source that are no platform's: their files were not read. */
  otherFolders: string[];
  /** Files that could not be read, in the platform-days committed without them (partial days). */
  failedFiles: FailedFile[];
  /** Days left as they were because the run would have replaced loaded data with less. */
  refused: RefusedDay[];
  /** Platform-days committed with no event files in the source (no folder, or an empty one), by day. */
  emptyDays: ListedEmptyDay[];
  failures: BackfillOutcome["failures"];
  /** The platform-days committed, by day then platform. */
  committed: { platform: Platform; day: string }[];
}

/** The platforms of each day, days in the order first seen. */
function platformsByDay(platformDays: readonly { platform: string; day: string }[]): Map<string, string[]> {
  const byDay = new Map<string, string[]>();
  for (const { platform, day } of platformDays) byDay.set(day, [...(byDay.get(day) ?? []), platform]);
  return byDay;
}

/** `2016-02-01 (iOS), 2016-03-01 (Android, iOS)`: platform-days named day by day, in order. */
export function namePlatformDays(platformDays: readonly { platform: string; day: string }[]): string {
  const byDay = platformsByDay(platformDays);
  if (byDay.size === 0) return "no platform-day";
  return [...byDay.keys()]
    .sort()
    .map((day) => `${day} (${[...new Set(byDay.get(day))].sort((a, b) => a.localeCompare(b, "en")).join(", ")})`)
    .join(", ");
}

/** The exit codes of `ctr backfill` and `ctr daily`. */
export const EXIT = {
  ok: 0,
  /** A step failed, or a day was refused. */
  failed: 1,
  /** Everything ran, but some platform-days are partial: files that could not be read. */
  partial: 3,
} as const;

/** 1 when a step failed or a day was refused, 3 when every step ran but a platform-day is partial, else 0. */
export function exitCodeOf(summary: Pick<BackfillSummary, "failures" | "refused" | "failedFiles">): number {
  if (summary.failures.length > 0 || summary.refused.length > 0) return EXIT.failed;
  return summary.failedFiles.length > 0 ? EXIT.partial : EXIT.ok;
}

const byKey =
  <T>(key: (item: T) => string) =>
  (a: T, b: T) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;

/** Adds up what the shards, commits and purchase syncs reported. */
export function summarize(plan: BackfillPlan, outcome: BackfillOutcome): BackfillSummary {
  // Shards finish in any order; the summary lists files (and so their malformed records) by key,
  // so a re-run prints the same summary.
  const manifests = outcome.shards
    .flatMap((s) => s.files)
    .filter((m) => m.status !== "failed")
    .sort(byKey((m) => m.file));
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
    otherFolders: plan.otherFolders ?? [],
    failedFiles: outcome.commits
      .flatMap((c) => c.failedFiles.map((f) => ({ platform: c.platform, day: c.day, ...f })))
      .sort(byKey((f) => f.file)),
    refused: [...outcome.refused].sort(byKey((r) => r.step)),
    emptyDays: emptyDaysOf(outcome),
    failures: outcome.failures,
    // Commits finish in any order: the summary lists them in one, so that a re-run's summary is the same.
    committed: outcome.commits
      .map(({ platform, day }) => ({ platform, day }))
      .sort((a, b) => a.day.localeCompare(b.day) || a.platform.localeCompare(b.platform)),
  };
}

/**
 * The platform-days committed from a listing without event files (a refused day is said so instead):
 * from the outcome alone, so a queued run's status, which has no plan, names them too.
 */
function emptyDaysOf(outcome: BackfillOutcome): BackfillSummary["emptyDays"] {
  return outcome.commits
    .filter((c) => c.files === 0)
    .map(({ platform, day }) => ({ platform, day }))
    .sort(byKey((d) => `${d.day} ${d.platform}`));
}

/** Days listed at most under NO FILES. */
const EMPTY_DAYS_LISTED = 20;

/**
 * The warning about platform-days with no event files: a wrong --source or date range loads nothing
 * and is no error, so it is said, each day with its platforms.
 */
function emptyDayLines(empty: BackfillSummary["emptyDays"]): string[] {
  if (empty.length === 0) return [];
  const days = [...platformsByDay(empty)];
  return [
    `NO FILES    ${plural(empty.length, "platform-day")} had no event files in the source (no folder, or an empty one); nothing was loaded for them:`,
    ...days.slice(0, EMPTY_DAYS_LISTED).map(([day, platforms]) => `  ${day}: ${platforms.join(", ")}`),
    ...(days.length > EMPTY_DAYS_LISTED ? [`  ... and ${plural(days.length - EMPTY_DAYS_LISTED, "more day")}`] : []),
    "  check the dates and the source (--source, EVENTS_SOURCE); /coverage lists these days under emptyDays",
  ];
}

export interface SummaryOptions {
  /**
   * `daily`: the files are the new or changed ones it re-read, and each committed platform-day is
   * rewritten whole from its Parquet (so rows written cover unchanged files too). Default `backfill`.
   */
  run?: "backfill" | "daily";
  /** Malformed locations listed at most. Default 50. */
  maxLocations?: number;
}

/** The lines about partial days: each failed file with its reason, and what to do. */
function partialLines(failed: readonly FailedFile[]): string[] {
  if (failed.length === 0) return [];
  const days = new Set(failed.map((f) => `${f.platform} ${f.day}`));
  // A truncated file's whole batches are in: the day lacks only its cut-off end.
  const what = failed.some((f) => f.reason.startsWith("truncated"))
    ? `what could not be read of ${plural(failed.length, "file")} (unreadable, or cut off)`
    : `${plural(failed.length, "file")} that could not be read`;
  return [
    `PARTIAL     ${plural(days.size, "platform-day")} committed without ${what}:`,
    ...failed.map((f) => `  ${f.file}: ${f.reason}`),
    "  the rest of each day is loaded; fix or replace those files and run ctr daily (or this backfill) again: failed files are always read again",
  ];
}

/** Formats the summary for the terminal. */
export function formatSummary(
  summary: BackfillSummary,
  { run = "backfill", maxLocations = 50 }: SummaryOptions = {},
): string {
  const daily = run === "daily";
  const others = [
    ...(daily ? ["new or changed since they were loaded"] : []),
    ...(summary.failedFiles.length ? [`${n(summary.failedFiles.length)} failed`] : []),
    ...(summary.skippedObjects ? [`${plural(summary.skippedObjects, "other object")} skipped`] : []),
  ];
  const lines = [
    `${daily ? "files read" : "files     "}  ${n(summary.files)} (${(summary.bytes / 1024 / 1024).toFixed(1)} MB)${others.map((o) => `, ${o}`).join("")}`,
    ...(summary.otherFolders.length > 0
      ? [
          `not read    ${plural(summary.otherFolders.length, "folder")} of the source that no platform has (iOS, Android, MobileWeb): ${summary.otherFolders.map((f) => `${f}/`).join(", ")}`,
        ]
      : []),
    `events      ${n(summary.events)}`,
    `views       ${n(summary.views)}`,
    `ignored     ${n(summary.ignored)}`,
    `malformed   ${n(summary.malformed)}`,
    ...summary.malformedLocations.slice(0, maxLocations).map((m) => `  ${m.file} ${m.position}: ${m.reason}`),
    ...(summary.malformedLocations.length > maxLocations
      ? [`  ... and ${n(summary.malformedLocations.length - maxLocations)} more listed in the manifests`]
      : []),
    ...(daily ? [`committed   ${namePlatformDays(summary.committed)}`] : []),
    `rows written ${plural(summary.viewRowsWritten, "view row")} (${plural(summary.committedDays, "platform-day")}${daily ? ", each rewritten whole from its Parquet" : ""}), ${plural(summary.purchaseRowsWritten, "purchase row")} (${plural(summary.purchases, "purchase")})`,
    ...partialLines(summary.failedFiles),
    ...emptyDayLines(summary.emptyDays),
  ];
  if (summary.refused.length > 0) {
    lines.push(`REFUSED     ${plural(summary.refused.length, "day")} left as they were:`);
    for (const r of summary.refused) lines.push(`  ${r.step}: ${r.message}`);
  }
  if (summary.failures.length > 0) {
    lines.push(`FAILED      ${plural(summary.failures.length, "step")}:`);
    for (const f of summary.failures) lines.push(`  ${f.step}: ${f.message}`);
  }
  return `${lines.join("\n")}\n`;
}
