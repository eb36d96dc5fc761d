import type { ShardProgress } from "@ctr/workers";
import type { Executor } from "./executor.ts";
import type { BackfillPlan } from "./plan.ts";
import { type ProgressOutput, ProgressReporter } from "./progress.ts";
import { type BackfillSummary, summarize } from "./summary.ts";

/**
 * Runs a plan with an executor, in-process or on the queue: shows its progress on `output` (and
 * hands it to `onProgress`, e.g. a job status), then adds up its summary.
 */
export async function executePlan(
  executor: Executor,
  plan: BackfillPlan,
  output: ProgressOutput,
  onProgress?: (done: ShardProgress) => void,
): Promise<BackfillSummary> {
  const reporter = new ProgressReporter(
    { files: plan.totalFiles, bytes: plan.totalBytes, days: plan.days.length },
    output,
  );
  const outcome = await executor.run(plan, {
    onShardProgress: (delta) => {
      reporter.add(delta);
      onProgress?.(reporter.done);
    },
    onDayDone: () => reporter.dayDone(),
  });
  reporter.finish();
  return summarize(plan, outcome);
}
