import { type Config, type JobPayload, recordEmptySourceDay, type Store } from "@ctr/schemas";
import { type CommitResult, commitListedDay } from "../commit/commit_platform_day.ts";
import { DayRefusedError } from "../commit/day_guard.ts";
import type { Folder } from "../source/folder.ts";
import { JobError, toJobError } from "./job_error.ts";

export interface CommitDayDeps {
  /** The ClickHouse that receives the partitions. */
  store: Store;
  /** The sink holding the day's Parquet and manifests. */
  sink: Folder;
  /** Credentials and endpoint ClickHouse uses to read an S3 sink. */
  s3: Config["s3"];
}

/**
 * The `commit-day` job: checks that no loaded file vanished from the day's listing (unless
 * `allowEmpty`), prunes the outputs of files gone from it, and replaces the (day, platform)
 * partitions of the per-minute views and the file manifest with what the sink holds; a day listed
 * without event files is recorded as such (/coverage shows it `empty`, not never loaded). A refused day
 * rethrows its DayRefusedError (the callers report it as refused, not failed); a bad payload is
 * permanent; the store or the sink being unreachable is transient.
 */
export async function commitDay(payload: JobPayload<"commit-day">, deps: CommitDayDeps): Promise<CommitResult> {
  if (!payload.files) {
    throw new JobError("permanent", `commit-day ${payload.platform} ${payload.day} carries no files: nothing to check`);
  }
  try {
    const committed = await commitListedDay({ ...payload, files: payload.files }, deps);
    if (payload.files.length === 0) await recordEmptySourceDay(deps.store.client, payload);
    return committed;
  } catch (error) {
    if (error instanceof DayRefusedError) throw error;
    throw toJobError(error, (e) => e instanceof RangeError);
  }
}
