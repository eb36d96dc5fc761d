import type { JobCounts, JobStatus } from "@ctr/schemas";
import type { BackfillOutcome } from "@ctr/workers";
import type { BackfillPlan } from "./plan.ts";
import { type BackfillSummary, exitCodeOf, summarize } from "./summary.ts";

/** The fields of a finished job's status that come from its summary. */
export type FinishedFields = { counts: JobCounts; ok: boolean } & Pick<
  JobStatus,
  "malformedLocations" | "failures" | "refused" | "failedFiles" | "emptyDays" | "committed"
>;

/** A backfill summary as a job status shows it. */
export function finishedFields(summary: BackfillSummary): FinishedFields {
  const {
    malformedLocations,
    failures,
    refused,
    failedFiles,
    emptyDays,
    committed,
    skippedObjects: _skipped,
    otherFolders: _others,
    ...counts
  } = summary;
  return {
    counts,
    malformedLocations,
    failures,
    refused,
    failedFiles,
    emptyDays,
    committed,
    ok: exitCodeOf(summary) === 0,
  };
}

// The outcome of a queued backfill comes without its plan; only skipped objects need the plan.
const NO_PLAN: BackfillPlan = {
  source: "",
  days: [],
  purchaseDays: [],
  totalFiles: 0,
  totalBytes: 0,
  allowEmpty: false,
};

/** A queued backfill's outcome (the flow parent's return value) as a job status shows it. */
export function finishedFieldsOfOutcome(outcome: BackfillOutcome): FinishedFields {
  return finishedFields(summarize(NO_PLAN, outcome));
}
