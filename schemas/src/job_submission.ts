import type { JobName, JobPayload } from "./job_catalog.ts";

/** What a submitted job looks like to whoever submitted it. */
export interface SubmittedJob {
  /** The deterministic job id (the same payload gives the same id). */
  id: string;
  name: JobName;
}

/**
 * How the HTTP API hands work to the job system without importing it: the composition root
 * (`ctr serve`) passes an implementation in; in-process or BullMQ is its business.
 */
export interface JobSubmitter {
  submit<Name extends JobName>(name: Name, payload: JobPayload<Name>): Promise<SubmittedJob>;
}
