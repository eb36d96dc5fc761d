import { ConfigError, type JobStatus, loadConfig } from "@ctr/schemas";
import { EXIT, exitCodeOf } from "../backfill/summary.ts";
import { type OptionValues, optionalString } from "../command.ts";
import { checkRedisReachable } from "../queue/connection.ts";
import { listRecentBackfills, openFlowQueues, readBackfillStatus } from "../queue/flow_status.ts";
import { queueConfigOf } from "../submission/backfill_session.ts";

const MB = 1024 * 1024;
const n = (value: number) => value.toLocaleString("en-US");

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
      `  rows written: ${n(c.viewRowsWritten)} view rows (${n(c.committedDays)} platform-days), ${n(c.purchaseRowsWritten)} purchase rows (${n(c.purchases)} purchases)`,
    );
  }
  for (const m of status.malformedLocations.slice(0, 20))
    lines.push(`  malformed ${m.file} ${m.position}: ${m.reason}`);
  for (const f of status.failedFiles) lines.push(`  PARTIAL ${f.platform} ${f.day}: ${f.file}: ${f.reason}`);
  for (const r of status.refused) lines.push(`  REFUSED ${r.step}: ${r.message}`);
  for (const f of status.failures) lines.push(`  FAILED ${f.step}: ${f.message}`);
  return `${lines.join("\n")}\n`;
}

/** `ctr status`: flags and help in ./index.ts. */
export async function run(values: OptionValues): Promise<number> {
  const config = loadConfig();
  const queue = queueConfigOf(config);
  if (!queue) {
    throw new ConfigError(
      "REDIS_URL",
      "ctr status reads the queue; without Redis a backfill reports in the process that runs it (GET /jobs/:id of ctr serve)",
    );
  }
  const id = optionalString(values, "job");
  await checkRedisReachable(queue.redisUrl);
  const queues = openFlowQueues(queue);
  try {
    if (id === undefined) {
      const recent = await listRecentBackfills(queues);
      if (recent.length === 0) process.stdout.write("no backfills in the queue\n");
      for (const status of recent) process.stdout.write(formatJobStatus(status, false));
      return 0;
    }
    const status = await readBackfillStatus(queues, id);
    if (!status) {
      process.stderr.write(`ctr status: no job ${id} (never submitted, or expired)\n`);
      return 1;
    }
    process.stdout.write(formatJobStatus(status, true));
    if (status.state === "failed") return EXIT.failed;
    return status.state === "completed" ? exitCodeOf(status) : EXIT.ok;
  } finally {
    await queues.close();
  }
}
