import type { SourceFileTotals } from "./clickhouse/tables/ingested_files.ts";
import type { JobName, JobPayload } from "./job_catalog.ts";
import type { MalformedRecord } from "./product_view.ts";

/** What a submitted job looks like to whoever submitted it. */
export interface SubmittedJob {
  /** The deterministic job id (the same payload gives the same id). */
  id: string;
  name: JobName;
}

/** Where a job is: queued, running, done (completed may still carry failed steps), failed, or gone. */
export type JobState = "waiting" | "active" | "completed" | "failed";

/** How far a backfill got: source files and bytes done against the plan's totals. */
export interface JobProgress {
  files: number;
  totalFiles: number;
  bytes: number;
  totalBytes: number;
  views: number;
}

/** The totals of a finished backfill (the numbers `ctr backfill` prints). */
export interface JobCounts extends SourceFileTotals {
  /** Rows now in product_views_per_minute_v1 for the committed (platform, day)s. */
  viewRowsWritten: number;
  committedDays: number;
  /** Rows written to purchases_per_minute_v1, and the purchases they hold. */
  purchaseRowsWritten: number;
  purchases: number;
}

/**
 * A (platform, day) of views, or a GMT-3 day of purchases, that a run refused to replace with less:
 * its listing was empty or lacked files that were loaded, or its orders were gone. What was loaded
 * stays as it was (ClickHouse and the sink); `message` says what to do.
 */
export interface RefusedDay {
  /** `views iOS 2016-02-01` or `purchases 2016-02-01`. */
  step: string;
  message: string;
  /** The first loaded files missing from the listing (views), and how many there are in all. */
  missingFiles: string[];
  missingCount: number;
}

/** A source file that could not be read at all: its day was committed without it (partial). */
export interface FailedFile {
  platform: string;
  day: string;
  file: string;
  reason: string;
}

/** A (platform, day) a run listed without event files: nothing was there to load. */
export interface ListedEmptyDay {
  platform: string;
  day: string;
}

/** A submitted job as `GET /jobs/:id` and `ctr status` show it. */
export interface JobStatus {
  id: string;
  name: JobName;
  state: JobState;
  /** True when the job finished, every step of it succeeded, nothing was refused and no file failed. */
  ok: boolean;
  progress: JobProgress;
  /** Present once the job finished. */
  counts?: JobCounts;
  malformedLocations: MalformedRecord[];
  /** Steps that failed, each with the reason. */
  failures: { step: string; message: string }[];
  /** Days refused because they would have replaced loaded data with less (allowEmpty was not given). */
  refused: RefusedDay[];
  /** Files that could not be read; their platform-days were committed without them (partial). */
  failedFiles: FailedFile[];
  /** Platform-days the run listed without event files (no folder, or an empty one); once finished. */
  emptyDays?: ListedEmptyDay[];
  /** The platform-days the run committed, by day then platform; once finished. */
  committed?: { platform: string; day: string }[];
  /** ISO-8601 times. */
  submittedAt?: string;
  finishedAt?: string;
}

/**
 * How the HTTP API hands work to the job system without importing it: the composition root
 * (`ctr serve`) passes an implementation in; in-process or BullMQ is its business.
 */
export interface JobSubmitter {
  submit<Name extends JobName>(name: Name, payload: JobPayload<Name>): Promise<SubmittedJob>;
  /** The job's state, or undefined when no such job is known (never submitted, or expired). */
  status(id: string): Promise<JobStatus | undefined>;
}
