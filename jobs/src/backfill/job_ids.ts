import { createHash } from "node:crypto";
import type { JobRun, Platform, SourceFile } from "@ctr/schemas";
import type { BackfillPlan } from "./plan.ts";

// Every id a backfill or a daily run gets is made here. Two kinds, for two kinds of runner:
// - a run in this process (ctr backfill and ctr daily without Redis, POST /jobs/backfill of ctr serve)
//   is named by its REQUEST (range, platforms, source, consent): the id is known before the source is
//   listed, so the API answers at once, a waiting or running job is found again by its request, and
//   `ctr status ID` finds every run of it in the store's history;
// - a flow on the queue is named by its PLAN (everything it reads): BullMQ keeps finished jobs for a
//   week and adds nothing for an id it keeps, so the same files and orders must give the same id
//   (resubmitting is free) and a new or changed file, or new orders of its days, a new one (that
//   backfill runs).
// Both ids read `<kind>.<from>.<to>.<platforms>.<digest>` (12 and 20 hex digits). A run's digest is kept
// as it was, so runs kept in the history still resolve; a flow's also covers its days' orders, so a flow
// kept in Redis from before that is submitted once more, which partition replacement makes safe.

/** What a run covers. */
export interface RunRange {
  from: string;
  to: string;
  platforms: readonly Platform[];
}

const digestOf = (lines: readonly string[], length: number) =>
  createHash("sha256").update(lines.join("\n")).digest("hex").slice(0, length);

const backfillId = (range: RunRange, digest: string) =>
  `backfill.${range.from}.${range.to}.${range.platforms.join("-")}.${digest}`;

/**
 * The id of a run in this process: the same range, platforms and source (and consent, which changes
 * what the run does) give the same id, whatever the files.
 */
export function runId(request: RunRange & { kind: JobRun["kind"]; source: string; allowEmpty?: boolean }): string {
  const digest = digestOf(request.allowEmpty ? [request.source, "allow-empty"] : [request.source], 12);
  return request.kind === "daily" ? `daily.${request.to}.${digest}` : backfillId(request, digest);
}

const fileLine = (file: SourceFile) => `${file.key}\t${file.size}\t${file.etag}`;

/**
 * The id of a plan's flow on the queue: its range and platforms, and a digest of everything the
 * plan reads (the source, every file's key, size and etag, the shard split, the purchase days, the
 * state of their orders (`readOrdersState`), and the consent to replace loaded data with less).
 * BullMQ ids may not contain `:`.
 */
export function backfillJobId(range: RunRange, plan: BackfillPlan, orders?: string): string {
  const lines = [plan.source, ...plan.purchaseDays.map((d) => `purchases ${d}`)];
  if (orders !== undefined) lines.push(`orders ${orders}`);
  if (plan.allowEmpty) lines.push("allow-empty");
  for (const day of plan.days) {
    lines.push(`day ${day.platform} ${day.day}`, ...day.files.map(fileLine));
    for (const shard of day.shards) lines.push(`shard ${shard.files.map((f) => f.key).join(" ")}`);
  }
  return backfillId(range, digestOf(lines, 20));
}

/**
 * The id of a step of a flow, scoped by the flow's id (a flow never waits on a job another flow
 * owns): `<flow>.shard.<platform>.<day>.<i>`, `<flow>.commit.<platform>.<day>`, `<flow>.purchases.<day>`.
 * Only ever built: what a step is comes from its job's name and data.
 */
export const stepJobId = (flowId: string, ...parts: (string | number)[]): string => `${flowId}.${parts.join(".")}`;
