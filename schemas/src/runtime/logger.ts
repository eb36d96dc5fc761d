import { createRequire } from "node:module";
import pino, { type DestinationStream, type Logger } from "pino";
import type PinoPretty from "pino-pretty";

export type { Logger };

export interface LoggerOptions {
  /** pino level (LOG_LEVEL). Default `info`. */
  level?: string;
  /** Names the process on every line: `ctr-api`, `ctr-worker`, `ctr`. Default `ctr`. */
  service?: string;
  /** Where lines go. Default stderr: stdout is for what a command prints (summaries, job ids). */
  destination?: DestinationStream | NodeJS.WritableStream;
  /** Human-readable lines (pino-pretty). Default: when the logs go to a terminal. */
  pretty?: boolean;
}

/**
 * The one logger of every process (the CLI, the worker, the server): pino, JSON lines unless a person
 * reads them on a terminal. Field names are the same everywhere: `requestId` for an HTTP request,
 * `jobId` for a job, `err` for an error.
 */
export function createLogger({
  level = "info",
  service = "ctr",
  destination,
  pretty = destination === undefined && process.stderr.isTTY === true,
}: LoggerOptions = {}): Logger {
  const options = { level, base: { service }, timestamp: pino.stdTimeFunctions.isoTime };
  if (pretty) {
    // Loaded only for a terminal: JSON output (containers, files, tests) never needs it.
    const build = createRequire(import.meta.url)("pino-pretty") as typeof PinoPretty;
    const stream = build({ destination: 2, sync: true, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname" });
    return pino(options, stream);
  }
  return pino(options, destination ?? pino.destination({ fd: 2, sync: true }));
}
