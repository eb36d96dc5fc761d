// What a child process prints, followed as it comes: a test waits for a line instead of polling or
// sleeping, and fails with everything printed when the line never comes.
import type { ChildProcess } from "node:child_process";

export interface UntilOptions {
  /** Match stdout alone. Default false: stdout and stderr. */
  stdoutOnly?: boolean;
  /** Default 60 s. */
  timeoutMs?: number;
}

export interface ChildOutput {
  /** Everything the child printed so far, stdout and stderr interleaved as they arrived. */
  text(): string;
  /** What it printed on stdout alone. */
  stdout(): string;
  /**
   * Resolves with `text()` (or `stdout()`) once it matches `pattern`; rejects, with what was printed,
   * when the child exits first or the timeout passes. `what` names the awaited event in the error.
   */
  until(pattern: RegExp | string, what: string, options?: UntilOptions): Promise<string>;
}

/** Starts collecting `child`'s stdout and stderr (both must be pipes). */
export function followOutput(child: ChildProcess): ChildOutput {
  let text = "";
  let stdout = "";
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const listener of listeners) listener();
  };
  child.stdout?.on("data", (chunk: Buffer) => {
    text += chunk.toString();
    stdout += chunk.toString();
    changed();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    text += chunk.toString();
    changed();
  });
  child.once("exit", changed);
  const matches = (pattern: RegExp | string, of: string) =>
    typeof pattern === "string" ? of.includes(pattern) : pattern.test(of);
  return {
    text: () => text,
    stdout: () => stdout,
    until: (pattern, what, { stdoutOnly = false, timeoutMs = 60_000 } = {}) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const of = stdoutOnly ? stdout : text;
          if (matches(pattern, of)) return settle(() => resolve(of));
          if (child.exitCode !== null || child.signalCode !== null) {
            settle(() =>
              reject(new Error(`${what}: the process exited (${child.exitCode ?? child.signalCode}) first:\n${text}`)),
            );
          }
        };
        const timer = setTimeout(
          () => settle(() => reject(new Error(`${what}: not within ${timeoutMs} ms:\n${text}`))),
          timeoutMs,
        );
        const settle = (done: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          done();
        };
        listeners.add(check);
        check();
      }),
  };
}
