import type { Config } from "@ctr/schemas";
import { openFolder } from "@ctr/workers";
import { planBackfill } from "../backfill/plan.ts";
import { ListingReporter, type ProgressOutput } from "../backfill/progress.ts";
import type { BackfillRequest } from "../backfill/run_backfill.ts";
import type { BackfillSummary } from "../backfill/summary.ts";
import { plural } from "../format.ts";
import { executePlan, openStoreSide, queueConfigOf, runnersOf } from "../submission/backfill_session.ts";
import { chooseExecutor } from "../submission/choose_executor.ts";
import { plannedTotals } from "./backfill_flow.ts";
import { submitBackfillFlow } from "./bullmq_executor.ts";

/**
 * `ctr backfill` with REDIS_URL: plans the backfill and submits it as a BullMQ flow. With `wait` it
 * follows the flow to its end (consuming the store queue itself when ClickHouse is embedded) and
 * returns the summary; without, it returns the job id as soon as the flow is in Redis.
 */
export async function runQueuedBackfill(
  config: Config,
  request: BackfillRequest,
  output: ProgressOutput,
  options: { wait: boolean },
): Promise<{ id: string } | { summary: BackfillSummary }> {
  const queue = queueConfigOf(config);
  if (!queue) throw new Error("runQueuedBackfill needs REDIS_URL");
  const source = openFolder(request.source ?? config.eventsSource, config.s3);
  const plan = await planBackfill(source, {
    ...request,
    shardMaxBytes: config.shardMaxBytes,
    onListing: new ListingReporter(output).update,
  });
  const totals = plannedTotals(plan);
  const shards = plan.days.reduce((n, d) => n + d.shards.length, 0);
  output.write(
    `backfill ${request.from}..${request.to} (${request.platforms.join(", ")}) from ${plan.source}: ` +
      `${plural(totals.files, "file")}, ${(totals.bytes / 1024 / 1024).toFixed(1)} MB in ${plural(shards, "shard")}, on the queue (prefix ${queue.queuePrefix})\n`,
  );
  if (!options.wait) {
    if (config.clickhouse.kind === "embedded") {
      output.write(
        "note: ClickHouse is embedded: the commits run when the process owning it (ctr serve, or a ctr backfill that waits) consumes the store queue\n",
      );
    }
    return { id: await submitBackfillFlow(queue, request, plan) };
  }
  const side = await openStoreSide(config);
  try {
    const executor = chooseExecutor(config, runnersOf(config, side, source), request, (line) =>
      output.write(`${line}\n`),
    );
    return { summary: await executePlan(executor, plan, output) };
  } finally {
    await side.close();
  }
}
