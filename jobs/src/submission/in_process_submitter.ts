import {
  type Config,
  formatLocation,
  type JobName,
  type JobPayload,
  type JobStatus,
  type JobSubmitter,
  parseLocation,
  type Store,
  type SubmittedJob,
} from "@ctr/schemas";
import { openFolder } from "@ctr/workers";
import { InProcessExecutor } from "../backfill/executor.ts";
import { planBackfill } from "../backfill/plan.ts";
import { recordRun, runId } from "../backfill/run_history.ts";
import { plannedTotals } from "../queue/backfill_flow.ts";
import { executePlan, openStoreSide, runnersOf } from "./backfill_session.ts";
import { finishedFields } from "./status_fields.ts";

/** How many finished jobs the process remembers for GET /jobs/:id. Default 100. */
const REMEMBERED = 100;

const NO_OUTPUT = { write: () => true };

/**
 * Job submission for the embedded deployment (no REDIS_URL): `ctr serve` owns chDB, so it runs the
 * backfills itself, one after the other, through the in-process executor and the same handlers as
 * everywhere else. The id is deterministic (range, platforms, source): submitting a backfill that
 * is waiting or running returns it; submitting one that finished runs it again, which partition
 * replacement makes safe. Statuses live in this process's memory (the last 100).
 */
export class InProcessSubmitter implements JobSubmitter {
  private readonly jobs = new Map<string, JobStatus>();
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly config: Config,
    /** The store the process already holds (chDB admits one per process). */
    private readonly store: Store,
    private readonly log: (message: string, error?: unknown) => void = () => {},
  ) {}

  async submit<Name extends JobName>(name: Name, payload: JobPayload<Name>): Promise<SubmittedJob> {
    if (name !== "backfill") throw new RangeError(`only backfill jobs are submitted over HTTP, not ${name}`);
    const request = payload as JobPayload<"backfill">;
    const source = formatLocation(request.source ? parseLocation(request.source, "source") : this.config.eventsSource);
    const id = runId({ kind: "backfill", ...request, source });
    const known = this.jobs.get(id);
    if (known && (known.state === "waiting" || known.state === "active")) return { id, name };
    this.remember({
      id,
      name: "backfill",
      state: "waiting",
      ok: false,
      progress: { files: 0, totalFiles: 0, bytes: 0, totalBytes: 0, views: 0 },
      malformedLocations: [],
      failures: [],
      refused: [],
      failedFiles: [],
      submittedAt: new Date().toISOString(),
    });
    this.queue = this.queue.then(() => this.execute(id, { ...request, source }));
    return { id, name };
  }

  async status(id: string): Promise<JobStatus | undefined> {
    const status = this.jobs.get(id);
    return status && structuredClone(status);
  }

  /** Resolves when every submitted job has finished (for shutdown and tests). */
  idle(): Promise<void> {
    return this.queue;
  }

  private remember(status: JobStatus): void {
    this.jobs.delete(status.id);
    this.jobs.set(status.id, status);
    for (const old of this.jobs.keys()) {
      if (this.jobs.size <= REMEMBERED) break;
      this.jobs.delete(old);
    }
  }

  private async execute(id: string, request: JobPayload<"backfill"> & { source: string }): Promise<void> {
    const status = this.jobs.get(id);
    if (!status) return;
    status.state = "active";
    const run = { kind: "backfill" as const, ...request, startedAt: new Date() };
    const warn = (line: string) => this.log(line);
    try {
      const source = openFolder(parseLocation(request.source, "source"), this.config.s3);
      const side = await openStoreSide(this.config, this.store);
      try {
        const plan = await planBackfill(source, { ...request, shardMaxBytes: this.config.shardMaxBytes });
        const totals = plannedTotals(plan);
        status.progress = { ...status.progress, totalFiles: totals.files, totalBytes: totals.bytes };
        const executor = new InProcessExecutor(runnersOf(this.config, side, source), this.config.workerConcurrency);
        const summary = await executePlan(executor, plan, NO_OUTPUT, (done) => {
          status.progress = { ...status.progress, ...done };
        });
        Object.assign(status, finishedFields(summary));
        await recordRun(this.store, run, summary, warn);
      } finally {
        await side.close();
      }
    } catch (error) {
      this.log(`backfill ${id} failed`, error);
      if (error instanceof Error) await recordRun(this.store, run, error, warn);
      status.failures.push({ step: "backfill", message: error instanceof Error ? error.message : String(error) });
    }
    // Whole, with the server's paths: GET /jobs/:id shows clients the same failures without them.
    if (status.counts) for (const f of status.failures) this.log(`backfill ${id}: ${f.step} failed: ${f.message}`);
    status.state = status.failures.length > 0 && !status.counts ? "failed" : "completed";
    status.finishedAt = new Date().toISOString();
  }
}
