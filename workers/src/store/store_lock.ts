import { readdirSync, readFileSync, readlinkSync, realpathSync } from "node:fs";
import path from "node:path";

/**
 * The embedded store's directory is already open in another process: chDB (like ClickHouse) locks
 * `<dir>/status` for the life of the process that opened it.
 */
export class StoreLockedError extends Error {
  override name = "StoreLockedError";
  constructor(
    readonly dir: string,
    readonly holder?: { pid: number; command?: string },
  ) {
    const who = holder ? `process ${holder.pid}${holder.command ? ` (${holder.command})` : ""}` : "another process";
    super(
      `the embedded ClickHouse store ${dir} is in use by ${who}; one process at a time can open it.\n` +
        "  Stop that process first, or, while `ctr serve` (npm start) runs, hand it the work instead:\n" +
        `    curl -X POST http://localhost:3000/jobs/backfill -H 'Content-Type: application/json' -d '{"from":"2016-02-01","to":"2016-02-01"}'\n` +
        "  (then GET /jobs/<id> or `ctr status`); or point CTR_DATA_DIR at another folder, or CLICKHOUSE_URL at a ClickHouse server.",
    );
  }
}

/** `PID: 1234` from ClickHouse's status file, written by whichever process opened the store last. */
function statusPid(statusFile: string): number | undefined {
  try {
    const pid = Number(/^PID:\s*(\d+)/m.exec(readFileSync(statusFile, "utf8"))?.[1]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Whether `pid` has `file` open, from /proc (Linux); undefined where that cannot be read (another
 * OS, another user's process). Tells a live holder from an unrelated process that reused its pid.
 */
function holdsOpen(pid: number, file: string): boolean | undefined {
  try {
    const target = realpathSync(file);
    const fdDir = `/proc/${pid}/fd`;
    return readdirSync(fdDir).some((fd) => {
      try {
        return readlinkSync(path.join(fdDir, fd)) === target;
      } catch {
        return false;
      }
    });
  } catch {
    return undefined;
  }
}

/** The command line of `pid`, shortened for a message (Linux); undefined elsewhere. */
function commandOf(pid: number): string | undefined {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
    return argv
      .map((arg, i) => (i === 0 || arg.includes("/") ? path.basename(arg) : arg))
      .join(" ")
      .slice(0, 120);
  } catch {
    return undefined;
  }
}

/**
 * Refuses with a {@link StoreLockedError} when another live process holds the store at `dir`, before
 * chDB tries (and prints its own `Cannot lock file` to stderr). A status file left by a process
 * that is gone is no lock: chDB takes the store over.
 */
export function checkStoreFree(dir: string): void {
  const statusFile = path.join(dir, "status");
  const pid = statusPid(statusFile);
  if (pid === undefined || pid === process.pid || !isProcessAlive(pid)) return;
  if (holdsOpen(pid, statusFile) === false) return;
  throw new StoreLockedError(dir, { pid, command: commandOf(pid) });
}
