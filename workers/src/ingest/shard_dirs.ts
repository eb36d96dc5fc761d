import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { isProcessAlive } from "../store/store_lock.ts";

/**
 * A process's start time in clock ticks since boot (/proc/PID/stat, field 22), or "0" where /proc
 * cannot tell (another OS). With the pid it names one process: a pid reused after a restart (a
 * container's process starts with the same small pid every time) has another start time.
 */
function startTimeOf(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command (field 2) is in parentheses and may hold spaces: count from after it.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19] ?? "0";
  } catch {
    return "0";
  }
}

/** The part of a shard folder's name that names its owner: host, pid and start time. */
const ownerTag = (host: string, pid: number, start: string) => `${host}~${pid}~${start}`;
const OWNED = /^shard-(.+)~(\d+)~(\d+)-[^~]+$/;
/** How mkdtemp named shard folders before they carried their owner. */
const UNOWNED = /^shard-[A-Za-z0-9]{6}$/;

/** A safe host name for a folder name: the machine, so that a shared data folder tells hosts apart. */
const hostTag = () => os.hostname().replace(/[^A-Za-z0-9.-]/g, "_") || "host";

/**
 * A fresh private work folder for a shard under `tempDir`, named after the process that owns it, so
 * that a later run can tell it was left by a process that is gone (removeStaleShardDirs).
 */
export async function createShardDir(tempDir: string): Promise<string> {
  await mkdir(tempDir, { recursive: true });
  return mkdtemp(path.join(tempDir, `shard-${ownerTag(hostTag(), process.pid, startTimeOf(process.pid))}-`));
}

/**
 * Removes the shard folders under `tempDir` that no live process owns: a process killed with
 * SIGKILL (or a power cut) leaves its partial Parquet and spill files there, and nothing else would
 * ever remove them. A folder of this host whose owner is gone (or is another process on its pid) is
 * removed, as is one named before folders carried their owner; folders of another host (a shared
 * data folder) are left to that host. Returns the names removed.
 */
export async function removeStaleShardDirs(tempDir: string): Promise<string[]> {
  const names = await readdir(tempDir).catch(() => [] as string[]);
  const host = hostTag();
  const stale = names.filter((name) => {
    if (UNOWNED.test(name)) return true;
    const owner = OWNED.exec(name);
    if (!owner || owner[1] !== host) return false;
    const pid = Number(owner[2]);
    return !isProcessAlive(pid) || startTimeOf(pid) !== owner[3];
  });
  await Promise.all(stale.map((name) => rm(path.join(tempDir, name), { recursive: true, force: true })));
  return stale;
}
