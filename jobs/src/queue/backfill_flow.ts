import type { JobPayload } from "@ctr/schemas";
import { jobOptions, QUEUE_NAMES } from "@ctr/workers";
import type { FlowJob } from "bullmq";
import { backfillJobId, type RunRange, stepJobId } from "../backfill/job_ids.ts";
import type { BackfillPlan } from "../backfill/plan.ts";

/**
 * The BullMQ flow of a plan: the backfill parent; under it one commit-day per (platform, day), whose
 * children are that day's shards, and one sync-purchases per day. Children ids are scoped by the
 * flow's id: a flow never waits on a job another flow owns. Failed children are recorded with their
 * reason in the parent (`ignoreDependencyOnFailure`) instead of failing it, so a poison file fails
 * its shard and its day's commit, and everything else still completes and is counted.
 */
export function buildBackfillFlow(
  range: RunRange,
  plan: BackfillPlan,
  prefix: string,
  /** The state of the orders the purchase syncs read (readOrdersState), part of the id. */
  orders?: string,
): { id: string; flow: FlowJob } {
  const id = backfillJobId(range, plan, orders);
  const child = { ignoreDependencyOnFailure: true } as const;
  const parent: JobPayload<"backfill"> = {
    from: range.from,
    to: range.to,
    platforms: [...range.platforms],
    source: plan.source,
    ...(plan.allowEmpty ? { allowEmpty: true } : {}),
    totalFiles: plan.totalFiles,
    totalBytes: plan.totalBytes,
    skippedObjects: plan.days.reduce((n, d) => n + d.skipped, 0),
  };
  const commits: FlowJob[] = plan.days.map((day) => ({
    name: "commit-day",
    queueName: QUEUE_NAMES.store,
    prefix,
    data: {
      platform: day.platform,
      day: day.day,
      files: day.files,
      allowEmpty: plan.allowEmpty,
    } satisfies JobPayload<"commit-day">,
    opts: { ...jobOptions("commit-day"), ...child, jobId: stepJobId(id, "commit", day.platform, day.day) },
    children: day.shards.map((shard, i) => ({
      name: "ingest-shard",
      queueName: QUEUE_NAMES.shards,
      prefix,
      data: shard satisfies JobPayload<"ingest-shard">,
      opts: { ...jobOptions("ingest-shard"), ...child, jobId: stepJobId(id, "shard", day.platform, day.day, i) },
    })),
  }));
  const purchases: FlowJob[] = plan.purchaseDays.map((day) => ({
    name: "sync-purchases",
    queueName: QUEUE_NAMES.store,
    prefix,
    data: { day, allowEmpty: plan.allowEmpty } satisfies JobPayload<"sync-purchases">,
    opts: { ...jobOptions("sync-purchases"), ...child, jobId: stepJobId(id, "purchases", day) },
  }));
  return {
    id,
    flow: {
      name: "backfill",
      queueName: QUEUE_NAMES.backfill,
      prefix,
      data: parent,
      opts: { ...jobOptions("backfill"), jobId: id },
      children: [...commits, ...purchases],
    },
  };
}
