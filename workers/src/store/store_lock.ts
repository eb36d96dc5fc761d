import { readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

/**
 * Where `ctr serve` (or `ctr demo`) records, beside chDB's own files, the API it serves on the store it
 * holds: another process refused the store is then told the real address, and whether it needs a key.
 */
const SERVING_API_FILE = "ctr_api.json";

/** The API a process serves on the embedded store it holds. */
export interface ServingApi {
  pid: number;
  port: number;
  /** API_KEYS is set: requests need `Authorization: Bearer <key>`. */
  keyed: boolean;
}

/** Records the API this process serves on the store at `dir`; returns what removes the record. */
export function recordServingApi(dir: string, api: Omit<ServingApi, "pid">): () => void {
  const file = path.join(dir, SERVING_API_FILE);
  writeFileSync(file, JSON.stringify({ pid: process.pid, ...api }));
  return () => rmSync(file, { force: true });
}

function servingApi(dir: string, pid: number): ServingApi | undefined {
  try {
    const api = JSON.parse(readFileSync(path.join(dir, SERVING_API_FILE), "utf8")) as Partial<ServingApi>;
    if (api.pid !== pid || typeof api.port !== "number") return undefined;
    return { pid, port: api.port, keyed: api.keyed === true };
  } catch {
    return undefined;
  }
}

/** What to do instead: hand the work to the API the holder serves, or wait for the holder. */
function lockedStoreHint(api: ServingApi | undefined): string {
  const alternatives = "or point CTR_DATA_DIR at another folder, or CLICKHOUSE_URL at a ClickHouse server.";
  if (!api) return `  Wait for it to finish or stop it first; ${alternatives}`;
  const key = api.keyed ? " -H 'Authorization: Bearer <one of its API_KEYS>'" : "";
  return (
    "  It serves the API: hand it the work instead,\n" +
    `    curl -X POST http://localhost:${api.port}/jobs/backfill${key} -H 'Content-Type: application/json' -d '{"from":"2016-02-01","to":"2016-02-01"}'\n` +
    `  (then GET /jobs/<id> or \`ctr status\`); or stop it first; ${alternatives}`
  );
}

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
        lockedStoreHint(holder ? servingApi(dir, holder.pid) : undefined),
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

/** `MAJ:MIN:INODE` of `file` as /proc/locks names it (hex major and minor, glibc's dev_t split). */
function lockId(file: string): string {
  const { dev, ino } = statSync(file, { bigint: true });
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  const hex = (n: bigint) => n.toString(16).padStart(2, "0");
  return `${hex(major)}:${hex(minor)}:${ino}`;
}

/**
 * The other process holding a lock on `file`, from /proc/locks (Linux); undefined when none does or
 * it cannot be read. ClickHouse locks its status file before it writes its pid there: in between,
 * the lock alone says who holds the store.
 */
function lockHolderOf(file: string): number | undefined {
  try {
    const id = lockId(file);
    for (const line of readFileSync("/proc/locks", "utf8").split("\n")) {
      // `1: FLOCK  ADVISORY  WRITE 4178 fe:00:2222687 0 EOF`; a waiter's line has `->` and holds nothing.
      const lock = /^\d+:\s+(?:FLOCK|POSIX)\s+\S+\s+\S+\s+(\d+)\s+(\S+)\s/.exec(line);
      const pid = Number(lock?.[1]);
      if (lock?.[2] === id && pid > 0 && pid !== process.pid) return pid;
    }
  } catch {
    // No status file yet, or no /proc: nothing holds the store that this can tell.
  }
  return undefined;
}

/** The live process holding the store at `dir`: the pid its status file names, or the one locking that file. */
function storeHolder(dir: string): { pid: number; command?: string } | undefined {
  const statusFile = path.join(dir, "status");
  const named = statusPid(statusFile);
  // A status file left by a process that is gone (or whose pid was reused) is no lock.
  const pid =
    named !== undefined && named !== process.pid && isProcessAlive(named) && holdsOpen(named, statusFile) !== false
      ? named
      : lockHolderOf(statusFile);
  return pid === undefined ? undefined : { pid, command: commandOf(pid) };
}

/**
 * Refuses with a {@link StoreLockedError} when another live process holds the store at `dir`, before
 * chDB tries (and prints its own `Cannot lock file` to stderr). A status file left by a process
 * that is gone is no lock: chDB takes the store over.
 */
export function checkStoreFree(dir: string): void {
  const holder = storeHolder(dir);
  if (holder) throw new StoreLockedError(dir, holder);
}
