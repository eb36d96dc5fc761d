import type { Config, JobPayload, Store } from "@ctr/schemas";
import { type CommitResult, commitPlatformDay } from "../commit/commit_day.ts";
import type { Folder } from "../source/folder.ts";
import { toJobError } from "./job_error.ts";

export interface CommitDayDeps {
  /** The ClickHouse that receives the partitions. */
  store: Store;
  /** The sink holding the day's Parquet and manifests. */
  sink: Folder;
  /** Credentials and endpoint ClickHouse uses to read an S3 sink. */
  s3: Config["s3"];
}

/**
 * The `commit-day` job: replaces the (day, platform) partitions of the per-minute views and the
 * file manifest with what the sink holds. Failures are transient (the store or the sink being
 * unreachable); a bad day in the payload is permanent.
 */
export async function commitDay(payload: JobPayload<"commit-day">, deps: CommitDayDeps): Promise<CommitResult> {
  try {
    return await commitPlatformDay(payload, deps);
  } catch (error) {
    throw toJobError(error, (e) => e instanceof RangeError);
  }
}
