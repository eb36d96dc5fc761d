import {
  type Config,
  formatLocation,
  getJobRuns,
  type JobName,
  type JobPayload,
  type JobStatus,
  type JobSubmitter,
  messageOf,
  parseLocation,
  type Store,
  type SubmittedJob,
} from "@ctr/schemas";
import { runId } from "../backfill/job_ids.ts";
import { finishedFields } from "../backfill/job_status.ts";
import { runStatus } from "../backfill/run_history.ts";
import { NO_PROGRESS } from "../backfill/shard_progress.ts";
import { runBackfill } from "./run_backfill.ts";

/** How many finished jobs the process remembers for GET /jobs/:id. Default 100. */
const REMEMBERED = 100;

const NO_OUTPUT = { write: () => true };

/**
 * Where the job system's lines go, in pino's terms: the message, and its fields (`jobId`, the
 * error as `err`), so a log reader filters a job by its id.
 */
export type JobLog = (message: string, fields?: { jobId?: string; err?: unknown }) => void;

/**
 * Job submission for the embedded deployment (no REDIS_URL): `ctr serve` owns chDB, so it runs the
 * backfills itself, one after the other, as `ctr backfill` runs them (`runBackfill`: the in-process
 * executor, the same handlers, the run recorded in the store's history). The id is deterministic (range, platforms, source): submitting a backfill that
 * is waiting or running returns it; submitting one that finished runs it again, which partition
 * replacement makes safe. Statuses live in this process's memory (the last 100), and every finished
 * run in the store's job history, which answers for jobs this process does not remember.
 */
export class InProcessSubmitter implements JobSubmitter {
  private readonly jobs = new Map<string, JobStatus>();
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly config: Config,
    /** The store the process already holds (chDB admits one per process). */
    private readonly store: Store,
    private readonly log: JobLog = () => {},
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
      progress: { ...NO_PROGRESS, totalFiles: 0, totalBytes: 0 },
      malformedLocations: [],
      failures: [],
      refused: [],
      failedFiles: [],
      submittedAt: new Date().toISOString(),
    });
    this.queue = this.queue.then(() => this.execute(id, { ...request, source }));
    return { id, name };
  }

  /**
   * A job of this process from its memory; any other from the store's job history, which every run
   * is recorded in: a job an earlier `ctr serve` (or `ctr backfill`) ran is found after a restart.
   */
  async status(id: string): Promise<JobStatus | undefined> {
    const status = this.jobs.get(id);
    if (status) return structuredClone(status);
    const [run] = await getJobRuns(this.store.client, { id, limit: 1 });
    return run && runStatus(run);
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
    try {
      const summary = await runBackfill(
        this.config,
        { ...request, source: parseLocation(request.source, "source") },
        NO_OUTPUT,
        this.store,
        {
          onPlanned: (plan) => {
            status.progress = { ...status.progress, totalFiles: plan.totalFiles, totalBytes: plan.totalBytes };
          },
          onProgress: (done) => {
            status.progress = { ...status.progress, ...done };
          },
          warn: (line) => this.log(line, { jobId: id }),
        },
      );
      Object.assign(status, finishedFields(summary));
    } catch (error) {
      this.log("backfill failed", { jobId: id, err: error });
      status.failures.push({ step: "backfill", message: messageOf(error) });
    }
    // Whole, with the server's paths: GET /jobs/:id shows clients the same failures without them.
    if (status.counts) for (const f of status.failures) this.log(`${f.step} failed: ${f.message}`, { jobId: id });
    status.state = status.failures.length > 0 && !status.counts ? "failed" : "completed";
    status.finishedAt = new Date().toISOString();
  }
}
