import { rmSync } from "node:fs";
import path from "node:path";
import { queryRows, type Store } from "@ctr/schemas";
import { z } from "zod";
import { listFolder } from "./store_folder.ts";

/**
 * What an embedded store's short-lived processes leave on disk for ClickHouse to remove later, and
 * the next process to load at start: the parts a partition replacement made outdated, which
 * ClickHouse's cleanup removes only seconds after its start (a `ctr` command is often gone by then),
 * and the data of tables dropped without SYNC (stores written before the staging tables were dropped
 * SYNC), which it keeps 8 minutes. Both are garbage by then: nothing reads them again.
 */

/** The folders of the parts the store's tables hold but no longer use; read before the store is closed. */
export async function outdatedPartPaths(store: Store): Promise<string[]> {
  const rows = await queryRows(store.client, {
    name: "outdated_parts",
    query: "SELECT path FROM system.parts WHERE database = currentDatabase() AND NOT active",
    schema: z.object({ path: z.string() }),
  });
  return rows.map((row) => row.path);
}

/** Removes folders of outdated parts (outdatedPartPaths), once the store is closed: nothing refers to them. */
export function removeOutdatedParts(paths: readonly string[]): void {
  for (const part of paths) rmSync(part, { recursive: true, force: true });
}

const DROPPED = /\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.sql$/;

/**
 * Removes the tables dropped but not yet deleted from an embedded store's folder (metadata_dropped/
 * and their data under store/), before chDB opens it, so its start does not load them. Only while no
 * process holds the store (the caller has checked).
 */
export function removeDroppedTables(dir: string): number {
  const metadata = path.join(dir, "metadata_dropped");
  const files = listFolder(metadata);
  let removed = 0;
  for (const file of files) {
    const uuid = DROPPED.exec(file)?.[1];
    if (!uuid) continue;
    rmSync(path.join(dir, "store", uuid.slice(0, 3), uuid), { recursive: true, force: true });
    rmSync(path.join(metadata, file), { force: true });
    removed++;
  }
  return removed;
}
