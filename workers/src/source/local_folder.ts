import { createReadStream } from "node:fs";
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { type Folder, type FolderObject, FolderReadError } from "./folder.ts";

/** A folder on the local disk. The etag of a file is its mtime in milliseconds. */
export class LocalFolder implements Folder {
  readonly kind = "local";
  readonly description: string;

  constructor(readonly root: string) {
    this.description = root;
  }

  /** The absolute path of a key; keys never climb out of the root. */
  pathOf(key: string): string {
    const full = path.resolve(this.root, ...key.split("/"));
    if (full !== this.root && !full.startsWith(this.root + path.sep)) {
      throw new RangeError(`key ${key} leaves the folder ${this.root}`);
    }
    return full;
  }

  async *list(prefix: string): AsyncIterable<FolderObject> {
    // Walk only the directories the prefix can reach, so listing one day does not scan the source.
    const slash = prefix.lastIndexOf("/");
    const base = slash === -1 ? "" : prefix.slice(0, slash + 1);
    const found: FolderObject[] = [];
    await this.walk(base, prefix, found);
    found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    yield* found;
  }

  private async walk(dirKey: string, prefix: string, out: FolderObject[]): Promise<void> {
    let entries: import("node:fs").Dirent[];
    try {
      entries = await readdir(this.pathOf(dirKey), { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw error;
    }
    for (const entry of entries) {
      const key = `${dirKey}${entry.name}`;
      // A symbolic link counts as what it points to (a platform or day folder, or a file, linked in
      // from another disk). Linked folders are followed at those two levels only, so a link loop
      // inside a day folder cannot recurse forever.
      const linked = entry.isSymbolicLink() ? await stat(this.pathOf(key)).catch(() => undefined) : undefined;
      const linkLevel = dirKey.split("/").length <= 2;
      const isDirectory = entry.isDirectory() || (linked?.isDirectory() === true && linkLevel);
      const isFile = entry.isFile() || linked?.isFile() === true;
      if (isDirectory) {
        if (`${key}/`.startsWith(prefix) || prefix.startsWith(`${key}/`)) await this.walk(`${key}/`, prefix, out);
      } else if (isFile && key.startsWith(prefix) && !entry.name.includes(".tmp-")) {
        const info = await stat(this.pathOf(key));
        out.push({ key, size: info.size, etag: String(Math.trunc(info.mtimeMs)) });
      }
    }
  }

  async open(key: string): Promise<Readable> {
    const file = this.pathOf(key);
    try {
      await stat(file);
    } catch (cause) {
      throw new FolderReadError(file, "cannot be read", { cause });
    }
    return createReadStream(file);
  }

  async localCopy(key: string): Promise<{ path: string; temporary: boolean }> {
    const file = this.pathOf(key);
    try {
      await stat(file);
    } catch (cause) {
      throw new FolderReadError(file, "cannot be read", { cause });
    }
    return { path: file, temporary: false };
  }

  async put(key: string, localPath: string): Promise<void> {
    const target = this.pathOf(key);
    await mkdir(path.dirname(target), { recursive: true });
    const temp = `${target}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    // Copy next to the target first: a rename within one directory is atomic, a cross-device move is not.
    await copyFile(localPath, temp);
    await rename(temp, target);
  }

  async putText(key: string, text: string): Promise<void> {
    const target = this.pathOf(key);
    await mkdir(path.dirname(target), { recursive: true });
    const temp = `${target}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    await writeFile(temp, text);
    await rename(temp, target);
  }

  async readText(key: string): Promise<string> {
    try {
      return await readFile(this.pathOf(key), "utf8");
    } catch (cause) {
      throw new FolderReadError(this.pathOf(key), "cannot be read", { cause });
    }
  }

  async delete(keys: readonly string[]): Promise<void> {
    await Promise.all(keys.map((key) => rm(this.pathOf(key), { force: true })));
  }
}
