import { insertJobRun, type JobRun, type JobStatus, messageOf, type Platform, type Store } from "@ctr/schemas";
import { runId } from "./job_ids.ts";
import type { BackfillSummary } from "./summary.ts";

/**
 * The store a run is recorded in, opened when the run ends if nothing opened it before; undefined
 * when it could not be opened, which the run's own error already says.
 */
export type StoreOf = () => Promise<Store | undefined>;

/** Malformed records kept per run: the summary lists more, the manifest has them all. */
const KEPT_LOCATIONS = 20;

/** What a run covered, and when it started. */
export interface RunRequest {
  kind: JobRun["kind"];
  from: string;
  to: string;
  platforms: readonly Platform[];
  /** The events' location as `formatLocation` writes it. */
  source: string;
  /** Consent to replace loaded days with less: the same range with and without it are two jobs. */
  allowEmpty?: boolean;
  startedAt: Date;
}

const utc = (time: Date) => time.toISOString().replace("T", " ").replace("Z", "");

/** A finished run as its history row; a run that threw has no counts and its error as its one failure. */
export function toJobRun(request: RunRequest, result: BackfillSummary | Error, finishedAt = new Date()): JobRun {
  const summary = result instanceof Error ? undefined : result;
  const failures =
    result instanceof Error
      ? [`${request.kind}: ${result.message}`]
      : result.failures.map((f) => `${f.step}: ${f.message}`);
  return {
    id: runId(request),
    kind: request.kind,
    from_day: request.from,
    to_day: request.to,
    platforms: [...request.platforms],
    started_at: utc(request.startedAt),
    finished_at: utc(finishedAt),
    ok: failures.length === 0 && (summary?.refused.length ?? 0) === 0 && (summary?.failedFiles.length ?? 0) === 0,
    files: summary?.files ?? 0,
    bytes: summary?.bytes ?? 0,
    events: summary?.events ?? 0,
    views: summary?.views ?? 0,
    ignored: summary?.ignored ?? 0,
    malformed: summary?.malformed ?? 0,
    view_rows: summary?.viewRowsWritten ?? 0,
    committed_days: summary?.committedDays ?? 0,
    purchase_rows: summary?.purchaseRowsWritten ?? 0,
    purchases: summary?.purchases ?? 0,
    failures,
    refused: (summary?.refused ?? []).map((r) => `${r.step}: ${r.message}`),
    failed_files: (summary?.failedFiles ?? []).map((f): [string, string, string, string] => [
      f.platform,
      f.day,
      f.file,
      f.reason,
    ]),
    malformed_locations: (summary?.malformedLocations ?? [])
      .slice(0, KEPT_LOCATIONS)
      .map((m): [string, string, string] => [m.file, m.position, m.reason]),
    committed: (summary?.committed ?? []).map((c): [string, string] => [c.platform, c.day]),
  };
}

/**
 * Records a finished run in the store's history (what `ctr status` shows without Redis). A failure to
 * record is reported on `warn` and does not fail the run: its data is committed either way.
 */
export async function recordRun(
  store: StoreOf,
  request: RunRequest,
  result: BackfillSummary | Error,
  warn: (line: string) => void,
): Promise<void> {
  try {
    const opened = await store();
    if (opened) await insertJobRun(opened.client, toJobRun(request, result));
  } catch (error) {
    warn(`could not record the run in the job history: ${messageOf(error)}`);
  }
}

/** `<step>: <message>` back into its parts. */
function stepMessage(line: string, kind: string): { step: string; message: string } {
  const colon = line.indexOf(": ");
  return colon === -1 ? { step: kind, message: line } : { step: line.slice(0, colon), message: line.slice(colon + 2) };
}

/** A history row as `ctr status` shows a job. */
export function runStatus(run: JobRun): JobStatus {
  const iso = (time: string) => `${time.replace(" ", "T")}Z`;
  return {
    id: run.id,
    name: run.kind,
    // A run that threw (its error its one failure) committed nothing: failed; any other finished.
    state: run.failures.length > 0 && run.files === 0 && run.view_rows === 0 ? "failed" : "completed",
    ok: run.ok,
    progress: { files: run.files, totalFiles: run.files, bytes: run.bytes, totalBytes: run.bytes, views: run.views },
    counts: {
      files: run.files,
      bytes: run.bytes,
      events: run.events,
      views: run.views,
      ignored: run.ignored,
      malformed: run.malformed,
      viewRowsWritten: run.view_rows,
      committedDays: run.committed_days,
      purchaseRowsWritten: run.purchase_rows,
      purchases: run.purchases,
    },
    malformedLocations: run.malformed_locations.map(([file, position, reason]) => ({ file, position, reason })),
    failures: run.failures.map((line) => stepMessage(line, run.kind)),
    // The history keeps what each refusal said, not its list of missing files.
    refused: run.refused.map((line) => ({ ...stepMessage(line, run.kind), missingFiles: [], missingCount: 0 })),
    failedFiles: run.failed_files.map(([platform, day, file, reason]) => ({ platform, day, file, reason })),
    committed: run.committed.map(([platform, day]) => ({ platform, day })),
    submittedAt: iso(run.started_at),
    finishedAt: iso(run.finished_at),
  };
}

/**
 * Runs `body` and records what it returned, or the error it threw, in the store's history under
 * `run`. A run on the queue passes no `run`: the queue keeps its status.
 */
export async function recordedRun(
  store: StoreOf,
  run: RunRequest | undefined,
  warn: (line: string) => void,
  body: () => Promise<BackfillSummary>,
): Promise<BackfillSummary> {
  try {
    const summary = await body();
    if (run) await recordRun(store, run, summary, warn);
    return summary;
  } catch (error) {
    if (run && error instanceof Error) await recordRun(store, run, error, warn);
    throw error;
  }
}
