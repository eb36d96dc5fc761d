import { readdirSync } from "node:fs";
import path from "node:path";

/** A folder's entries; none when it cannot be read (absent, not a folder). */
export function listFolder(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** The folders chDB keeps a database's or a table's files in: `<store dir>/store/<xxx>/<uuid>`. */
export function storeFolders(dir: string): string[] {
  const store = path.join(dir, "store");
  return listFolder(store).flatMap((prefix) =>
    listFolder(path.join(store, prefix)).map((uuid) => path.join(store, prefix, uuid)),
  );
}

const PART = /^[\w-]+_\d+_\d+_\d+(_\d+)?$/;

/** The data parts' folders on disk under an embedded store (`<partition>_<min>_<max>_<level>`), active or not. */
export function partFolderCount(dir: string): number {
  return storeFolders(dir).reduce((count, folder) => count + listFolder(folder).filter((e) => PART.test(e)).length, 0);
}
