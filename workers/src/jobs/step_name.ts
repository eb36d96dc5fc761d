import { JOB_CATALOG, type JobName, type JobPayload, plural } from "@ctr/schemas";

const isJobName = (name: string): name is JobName => Object.hasOwn(JOB_CATALOG, name);

/**
 * How summaries, statuses and logs name a step of a backfill, from its job's name and payload (never
 * from its id): `shard iOS 2016-02-01 (2 files from iOS/2016-02-01/a.json)`, `commit iOS 2016-02-01`,
 * `purchases 2016-02-01`. The in-process executor and the queue name steps the same way. A payload
 * that does not fit the catalog is named by the job's name alone.
 */
export function stepName(name: string, data: unknown): string {
  if (!isJobName(name)) return name;
  const parsed = JOB_CATALOG[name].schema.safeParse(data);
  if (!parsed.success) return name;
  if (name === "ingest-shard") {
    const shard = parsed.data as JobPayload<"ingest-shard">;
    return `shard ${shard.platform} ${shard.day} (${plural(shard.files.length, "file")} from ${shard.files[0]?.key})`;
  }
  if (name === "commit-day") {
    const day = parsed.data as JobPayload<"commit-day">;
    return `commit ${day.platform} ${day.day}`;
  }
  if (name === "sync-purchases") return `purchases ${(parsed.data as JobPayload<"sync-purchases">).day}`;
  return name;
}
