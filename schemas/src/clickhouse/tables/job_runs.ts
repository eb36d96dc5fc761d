import type { ClickHouseClient } from "@clickhouse/client";
import { z } from "zod";
import { queryRows, StoreError } from "../query.ts";

/** One row per backfill or daily run of the embedded deployment (migration 0003). */
export const JOB_RUNS_TABLE = "job_runs_v1";

const count = z.coerce.number().int().nonnegative();
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

/**
 * A finished run: what it covered, when, whether every step succeeded, and its counts. Times are
 * UTC `YYYY-MM-DD HH:MM:SS.mmm`; counts arrive quoted (64-bit) and stay far below 2^53.
 */
export const JobRunSchema = z.object({
  id: z.string(),
  kind: z.enum(["backfill", "daily"]),
  from_day: day,
  to_day: day,
  platforms: z.array(z.string()),
  started_at: z.string(),
  finished_at: z.string(),
  ok: z.boolean(),
  files: count,
  bytes: count,
  events: count,
  views: count,
  ignored: count,
  malformed: count,
  view_rows: count,
  committed_days: count,
  purchase_rows: count,
  purchases: count,
  failures: z.array(z.string()),
  refused: z.array(z.string()),
  /** Files that could not be read, as (platform, day, file, reason): the run is partial. */
  failed_files: z.array(z.tuple([z.string(), z.string(), z.string(), z.string()])),
  /** The first malformed records, as (file, position, reason). */
  malformed_locations: z.array(z.tuple([z.string(), z.string(), z.string()])),
  /** The platform-days committed, as (platform, day) (migration 0009). */
  committed: z.array(z.tuple([z.string(), day])),
});
export type JobRun = z.infer<typeof JobRunSchema>;

/** Records one finished run. */
export async function insertJobRun(client: ClickHouseClient, run: JobRun): Promise<void> {
  try {
    await client.insert({ table: JOB_RUNS_TABLE, values: [run], format: "JSONEachRow" });
  } catch (cause) {
    throw new StoreError(`insert ${JOB_RUNS_TABLE}`, { cause });
  }
}

/** The most recent runs, newest first; with `id`, only the runs of that job. */
export async function getJobRuns(
  client: ClickHouseClient,
  { id, limit = 10 }: { id?: string; limit?: number } = {},
): Promise<JobRun[]> {
  return queryRows(client, {
    name: "get_job_runs",
    query: `SELECT * FROM ${JOB_RUNS_TABLE}
            WHERE {id:String} = '' OR id = {id:String}
            ORDER BY started_at DESC, id
            LIMIT {limit:UInt32}`,
    params: { id: id ?? "", limit },
    schema: JobRunSchema,
  });
}
