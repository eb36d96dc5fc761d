import { type Config, getJobRuns, type JobStatus, loadConfig, formatCount as n, plural } from "@ctr/schemas";
import { checkRedisReachable, type QueueConfig, queueConfigOf, withStore } from "@ctr/workers";
import { runStatus } from "../backfill/run_history.ts";
import { EXIT, exitCodeOf, namePlatformDays } from "../backfill/summary.ts";
import { type OptionValues, optionalString } from "../command.ts";

const MB = 1024 * 1024;

/** One job's status for the terminal: a headline, progress, counts once finished, failures. */
export function formatJobStatus(status: JobStatus, detailed: boolean): string {
  const p = status.progress;
  const verdict =
    status.state !== "completed"
      ? status.state
      : status.ok
        ? "completed"
        : status.failures.length > 0 || status.refused.length > 0
          ? "completed with failures"
          : "completed, partial";
  const lines = [
    `${status.id}  ${verdict}  files ${n(p.files)}/${n(p.totalFiles)}  ${(p.bytes / MB).toFixed(1)}/${(p.totalBytes / MB).toFixed(1)} MB  ${n(p.views)} views` +
      (status.submittedAt ? `  submitted ${status.submittedAt}` : ""),
  ];
  if (!detailed) return `${lines[0]}\n`;
  const c = status.counts;
  if (c) {
    lines.push(
      `  events ${n(c.events)}, views ${n(c.views)}, ignored ${n(c.ignored)}, malformed ${n(c.malformed)}`,
      `  rows written: ${n(c.viewRowsWritten)} view rows (${plural(c.committedDays, "platform-day")}), ${n(c.purchaseRowsWritten)} purchase rows (${plural(c.purchases, "purchase")})`,
    );
  }
  if (status.committed && status.committed.length > 0) lines.push(`  committed ${namePlatformDays(status.committed)}`);
  for (const m of status.malformedLocations.slice(0, 20))
    lines.push(`  malformed ${m.file} ${m.position}: ${m.reason}`);
  for (const f of status.failedFiles) lines.push(`  PARTIAL ${f.platform} ${f.day}: ${f.file}: ${f.reason}`);
  for (const e of status.emptyDays ?? []) lines.push(`  NO FILES ${e.platform} ${e.day}: no event files in the source`);
  for (const r of status.refused) lines.push(`  REFUSED ${r.step}: ${r.message}`);
  for (const f of status.failures) lines.push(`  FAILED ${f.step}: ${f.message}`);
  return `${lines.join("\n")}\n`;
}

/** Prints a job, or the recent ones; the exit code says whether the job is unknown or failed. */
function report(id: string | undefined, found: JobStatus[], where: string): number {
  if (id === undefined) {
    if (found.length === 0) process.stdout.write(`no jobs ${where}\n`);
    for (const status of found) process.stdout.write(formatJobStatus(status, false));
    return 0;
  }
  const status = found[0];
  if (!status) {
    process.stderr.write(`ctr status: no job ${id} ${where} (never run, or expired)\n`);
    return 1;
  }
  process.stdout.write(formatJobStatus(status, true));
  if (status.state === "failed") return EXIT.failed;
  return status.state === "completed" ? exitCodeOf(status) : EXIT.ok;
}

/** With REDIS_URL: the queue's flows. */
async function queuedStatus(queue: QueueConfig, id: string | undefined): Promise<number> {
  const { listRecentBackfills, openFlowQueues, readBackfillStatus } = await import("../queue/flow_status.ts");
  await checkRedisReachable(queue.redisUrl);
  const queues = openFlowQueues(queue);
  try {
    const found = id === undefined ? await listRecentBackfills(queues) : [await readBackfillStatus(queues, id)];
    return report(
      id,
      found.filter((s): s is JobStatus => s !== undefined),
      "in the queue",
    );
  } finally {
    await queues.close();
  }
}

/** Without Redis: the runs the store's job history holds (ctr backfill, ctr daily, ctr demo, ctr serve). */
async function storedStatus(config: Config, id: string | undefined): Promise<number> {
  const runs = await withStore(config, undefined, (store) =>
    getJobRuns(store.client, { id, limit: id === undefined ? 10 : 1 }),
  );
  return report(id, runs.map(runStatus), "in the job history of the store");
}

/** `ctr status`: flags and help in ./index.ts. */
export async function run(values: OptionValues): Promise<number> {
  const config = loadConfig();
  const queue = queueConfigOf(config);
  const id = optionalString(values, "job");
  return queue ? queuedStatus(queue, id) : storedStatus(config, id);
}
