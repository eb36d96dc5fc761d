import { rmSync, statfsSync, statSync } from "node:fs";
import path from "node:path";
import type { ClickHouseClient } from "@clickhouse/client";
import { listFolder, partFolderCount, storeFolders } from "./store_folder.ts";

/** Below this much free space on the store's disk, a failed statement is put down to the disk. */
const NEARLY_FULL_BYTES = 4 * 1024 * 1024;
/** What ClickHouse or the system say when a write finds no space. */
const NO_SPACE = /No space left on device|NOT_ENOUGH_SPACE|ENOSPC|Cannot reserve .* not enough space/i;

/** Free bytes for this process on the disk holding `dir`; undefined when it cannot be told. */
function freeBytes(dir: string): number | undefined {
  try {
    const stats = statfsSync(dir);
    return stats.bavail * stats.bsize;
  } catch {
    return undefined;
  }
}

/**
 * The error to report for a failed statement of the embedded store in `dir`: one that says the disk
 * is full when it (nearly) is, the engine's own error kept as its cause. ClickHouse reports a full
 * disk during DDL in its own words ("There is no metadata of table …", a table whose definition it
 * could not write), so the free space is what tells.
 */
export function explainStoreFailure(dir: string, error: unknown): unknown {
  const free = freeBytes(dir);
  const message = error instanceof Error ? error.message : String(error);
  if (!NO_SPACE.test(message) && (free === undefined || free >= NEARLY_FULL_BYTES)) return error;
  const left = free === undefined ? "" : ` (${Math.floor(free / 1024)} KB free)`;
  return new Error(
    `the disk holding the embedded store ${dir} is full${left}: free some space and run the command again; ` +
      `the next start completes what this one could not write (ClickHouse said: ${message})`,
    { cause: error },
  );
}

const STATEMENTS = new Set<PropertyKey>(["query", "command", "insert", "exec"]);

/** `client` whose statements report a full disk as such (explainStoreFailure). */
export function reportingDiskFull(client: ClickHouseClient, dir: string): ClickHouseClient {
  return new Proxy(client, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      const method = (value as (...args: unknown[]) => unknown).bind(target);
      if (!STATEMENTS.has(property)) return method;
      return async (...args: unknown[]) => {
        try {
          return await method(...args);
        } catch (error) {
          throw explainStoreFailure(dir, error);
        }
      };
    },
  });
}

/**
 * Table definitions left empty by a disk that filled while ClickHouse wrote them (a start's
 * migrations cut short): chDB refuses to open a store with one ("Empty query: Cannot parse definition
 * from metadata file"). While the store holds no data yet, they are removed, and the migrations
 * create those tables again. A store with data is not touched: the error names the file.
 */
export function removeEmptyDefinitions(dir: string): string[] {
  const empty = storeFolders(dir).flatMap((folder) =>
    listFolder(folder)
      .filter((file) => file.endsWith(".sql") && statSync(path.join(folder, file)).size === 0)
      .map((file) => path.join(folder, file)),
  );
  if (empty.length === 0) return [];
  if (partFolderCount(dir) > 0) {
    throw new Error(
      `the embedded store ${dir} has empty table definitions (${empty.map((f) => path.basename(f)).join(", ")}), ` +
        "left by a full disk while a migration wrote them, and it holds data: see docs/FAILURE_MODES.md (disk full) to recover",
    );
  }
  for (const file of empty) rmSync(file, { force: true });
  return empty;
}
