import { createHash } from "node:crypto";
import type { JobPayload, Platform, SourceFile } from "@ctr/schemas";
import type { FlowJob } from "bullmq";
import type { BackfillPlan } from "../backfill/plan.ts";
import { jobOptions, QUEUE_NAMES } from "./queues.ts";

/** What a backfill covers, besides its plan. */
export interface FlowRequest {
  from: string;
  to: string;
  platforms: readonly Platform[];
}

const digest = (lines: readonly string[]) => createHash("sha256").update(lines.join("\n")).digest("hex").slice(0, 20);
const fileLine = (file: SourceFile) => `${file.key}\t${file.size}\t${file.etag}`;

/**
 * The backfill's job id: its range and platforms, and a digest of everything the plan reads (the
 * source, every file's key, size and etag, the shard split, the purchase days). The same backfill of
 * the same files gets the same id, so resubmitting it adds nothing; a changed or new file gives a
 * new id, and the new flow re-processes what it plans. (BullMQ ids may not contain `:`.)
 */
export function backfillJobId(request: FlowRequest, plan: BackfillPlan): string {
  const lines = [plan.source, ...plan.purchaseDays.map((d) => `purchases ${d}`)];
  // Consent changes what the flow does (a refused day commits), so it is part of the id.
  if (plan.allowEmpty) lines.push("allow-empty");
  for (const day of plan.days) {
    lines.push(`day ${day.platform} ${day.day}`, ...day.files.map(fileLine));
    for (const shard of day.shards) lines.push(`shard ${shard.files.map((f) => f.key).join(" ")}`);
  }
  return `backfill.${request.from}.${request.to}.${request.platforms.join("-")}.${digest(lines)}`;
}

/** The files and bytes the plan's shards read (a daily plan reads only new or changed files). */
export function plannedTotals(plan: BackfillPlan): { files: number; bytes: number } {
  const files = plan.days.flatMap((d) => d.shards.flatMap((s) => s.files));
  return { files: files.length, bytes: files.reduce((n, f) => n + f.size, 0) };
}

/** The id of a flow's shard, commit or purchase-sync child; parsed back by `describeChild`. */
const childId = (flowId: string, ...parts: (string | number)[]) => `${flowId}.${parts.join(".")}`;

/**
 * The BullMQ flow of a plan: the backfill parent; under it one commit-day per (platform, day), whose
 * children are that day's shards, and one sync-purchases per day. Children ids are scoped by the
 * flow's id: a flow never waits on a job another flow owns. Failed children are recorded with their
 * reason in the parent (`ignoreDependencyOnFailure`) instead of failing it, so a poison file fails
 * its shard and its day's commit, and everything else still completes and is counted.
 */
export function buildBackfillFlow(
  request: FlowRequest,
  plan: BackfillPlan,
  prefix: string,
): { id: string; flow: FlowJob } {
  const id = backfillJobId(request, plan);
  const child = { ignoreDependencyOnFailure: true } as const;
  const totals = plannedTotals(plan);
  const parent: JobPayload<"backfill"> = {
    from: request.from,
    to: request.to,
    platforms: [...request.platforms],
    source: plan.source,
    ...(plan.allowEmpty ? { allowEmpty: true } : {}),
    totalFiles: totals.files,
    totalBytes: totals.bytes,
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
    opts: { ...jobOptions("commit-day"), ...child, jobId: childId(id, "commit", day.platform, day.day) },
    children: day.shards.map((shard, i) => ({
      name: "ingest-shard",
      queueName: QUEUE_NAMES.shards,
      prefix,
      data: shard satisfies JobPayload<"ingest-shard">,
      opts: { ...jobOptions("ingest-shard"), ...child, jobId: childId(id, "shard", day.platform, day.day, i) },
    })),
  }));
  const purchases: FlowJob[] = plan.purchaseDays.map((day) => ({
    name: "sync-purchases",
    queueName: QUEUE_NAMES.store,
    prefix,
    data: { day, allowEmpty: plan.allowEmpty } satisfies JobPayload<"sync-purchases">,
    opts: { ...jobOptions("sync-purchases"), ...child, jobId: childId(id, "purchases", day) },
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

/** What a child's job id says about it: `shard iOS 2016-02-01 #0`, `commit Android 2016-02-01`, `purchases 2016-02-01`. */
export function describeChild(jobKeyOrId: string): { kind: "shard" | "commit" | "purchases" | "other"; step: string } {
  const match = /\.(shard|commit|purchases)\.(.+)$/.exec(jobKeyOrId);
  if (!match?.[1] || !match[2]) return { kind: "other", step: jobKeyOrId };
  const kind = match[1] as "shard" | "commit" | "purchases";
  const parts = match[2].split(".");
  const step = kind === "shard" ? `shard ${parts.slice(0, 2).join(" ")} #${parts[2]}` : `${kind} ${parts.join(" ")}`;
  return { kind, step };
}
