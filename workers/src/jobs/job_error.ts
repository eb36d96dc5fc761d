import { messageOf } from "@ctr/schemas";

/**
 * A job failure that tells the queue what to do: `permanent` (a poison file, a bad payload)
 * must not be retried; `transient` (network, a busy store) retries with backoff.
 */
export class JobError extends Error {
  constructor(
    readonly kind: "permanent" | "transient",
    message: string,
    options?: { cause: unknown },
  ) {
    super(message, options);
    this.name = "JobError";
  }

  get permanent(): boolean {
    return this.kind === "permanent";
  }
}

/** Wraps any error as a JobError; `isPermanent` decides the kind of errors that are not JobErrors yet. */
export function toJobError(error: unknown, isPermanent: (error: unknown) => boolean): JobError {
  if (error instanceof JobError) return error;
  return new JobError(isPermanent(error) ? "permanent" : "transient", messageOf(error), { cause: error });
}
