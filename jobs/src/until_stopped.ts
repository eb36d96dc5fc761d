import { readFileSync } from "node:fs";
import { isProcessAlive } from "@ctr/workers";

/** Why a long-running command (serve, worker, demo) stops. */
export type StopReason = NodeJS.Signals | "launcher gone";

/** Shells npm puts between itself and the command (`sh -c "ctr serve"`). */
const SHELLS = new Set(["sh", "dash", "bash", "zsh", "ash", "busybox"]);

/** The command name and parent of a process, from /proc (Linux); undefined elsewhere or when it is gone. */
function readProc(pid: number): { comm: string; ppid: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // `pid (comm) state ppid ...`: comm may hold spaces and parentheses, so split at the last ')'.
    const close = stat.lastIndexOf(")");
    const ppid = Number(stat.slice(close + 2).split(" ")[1]);
    return { comm: stat.slice(stat.indexOf("(") + 1, close), ppid };
  } catch {
    return undefined;
  }
}

/**
 * The npm process this one was started by (`npm start`, `npm run ...`, `npx ctr ...`), past the
 * shell npm runs scripts in; undefined when npm did not start it. npm does not pass SIGTERM on to
 * its child, so a user killing npm's PID would leave this process serving the port and holding
 * the data directory.
 */
function npmLauncher(): number | undefined {
  if (process.env.npm_command === undefined && process.env.npm_lifecycle_event === undefined) return undefined;
  let pid = process.ppid;
  for (let hops = 0; hops < 3; hops++) {
    const proc = readProc(pid);
    // Without /proc, the parent is the best guess.
    if (proc === undefined) return hops === 0 ? process.ppid : pid;
    if (!SHELLS.has(proc.comm)) return pid;
    pid = proc.ppid;
  }
  return undefined;
}

export interface UntilStoppedOptions {
  /** How often the npm launcher is looked for. Default 500 ms. */
  pollMs?: number;
}

/**
 * Resolves on the first SIGTERM or SIGINT (Kubernetes stops pods with SIGTERM, a terminal with
 * Ctrl-C), or, when npm started this process, as soon as that npm process (or the shell between)
 * is gone: killing the PID of `npm start` stops the server too.
 */
export function untilStopped({ pollMs = 500 }: UntilStoppedOptions = {}): Promise<StopReason> {
  const launcher = npmLauncher();
  const parent = process.ppid;
  return new Promise((resolve) => {
    const stop = (reason: StopReason) => {
      process.off("SIGTERM", stop);
      process.off("SIGINT", stop);
      clearInterval(watch);
      resolve(reason);
    };
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
    const watch = setInterval(() => {
      if (launcher === undefined) return;
      if (process.ppid !== parent || !isProcessAlive(launcher)) stop("launcher gone");
    }, pollMs);
    // The server or worker keeps the process alive; the watch alone must not.
    watch.unref();
  });
}
