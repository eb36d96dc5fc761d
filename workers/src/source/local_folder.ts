import { createReadStream, type Dirent } from "node:fs";
import { copyFile, lstat, mkdir, readdir, readFile, realpath, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { type Folder, type FolderObject, FolderReadError, type ListOptions } from "./folder.ts";

const LINK_OUTSIDE = "a symbolic link leading outside the source";
const LINK_DANGLING = "a dangling symbolic link";
const LINK_LOOP = "a symbolic link loop";

/** Where a walk is: the folder's real root, the real path of the current directory and of its ancestors. */
interface WalkState {
  realRoot: string;
  realDir: string;
  ancestors: ReadonlySet<string>;
  /** The real locations of the links reported skipped: one met again through a linked folder is reported once. */
  reported: Set<string>;
}

type ListedFile = FolderObject & { realPath: string };

/** Why a folder cannot be listed, without its path (`EACCES: permission denied`): reasons reach the API. */
const unreadableFolder = (error: NodeJS.ErrnoException) =>
  `the folder cannot be listed (${error.message.split(",")[0]})`;

const isInside = (root: string, target: string) => target === root || target.startsWith(root + path.sep);

/**
 * A file reached by several keys (a link to a listed file, a linked folder) is listed once: under its
 * own key when the listing holds it, else under the first key in key order.
 */
function uniqueByRealPath(found: ListedFile[], options: ListOptions): FolderObject[] {
  found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const chosen = new Map<string, ListedFile>();
  for (const file of found) {
    const before = chosen.get(file.realPath);
    if (!before || (before.realKey !== undefined && file.realKey === undefined)) chosen.set(file.realPath, file);
  }
  const listed: FolderObject[] = [];
  for (const { realPath, ...object } of found) {
    const kept = chosen.get(realPath);
    if (kept?.key === object.key) listed.push(object);
    else options.onSkipped?.({ key: object.key, reason: `the same file as ${kept?.key}, listed once` });
  }
  return listed;
}

/**
 * A folder on the local disk. The etag of a file is its mtime in milliseconds. Symbolic links are
 * followed only while their real target stays inside the folder's real root; a file reached twice
 * is listed once (see `list`).
 */
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

  async *list(prefix: string, options: ListOptions = {}): AsyncIterable<FolderObject> {
    // Walk only the directories the prefix can reach, so listing one day does not scan the source.
    const slash = prefix.lastIndexOf("/");
    const base = slash === -1 ? "" : prefix.slice(0, slash + 1);
    const blocked: FolderObject[] = [];
    const walk = await this.startWalk(base, options, (object) => blocked.push(object));
    if (!walk) {
      yield* blocked;
      return;
    }
    const found: ListedFile[] = [];
    await this.walk(walk, base, prefix, found, options);
    yield* uniqueByRealPath(found, options);
  }

  async listFolders(prefix: string, options: ListOptions = {}): Promise<string[]> {
    const walk = await this.startWalk(prefix, options);
    if (!walk) return [];
    const names: string[] = [];
    const entries = await this.entriesOf(prefix).catch((error: NodeJS.ErrnoException) => {
      // The source's own top level is the run's to fail; a folder below it costs only what it holds,
      // which a listing of its days reports again as unreadable.
      if (prefix === "") throw error;
      options.onSkipped?.({ key: prefix, reason: unreadableFolder(error) });
      return [] as Dirent[];
    });
    for (const entry of entries) {
      const resolved = await this.resolve(walk, `${prefix}${entry.name}`, entry, options);
      if (resolved?.kind === "directory") names.push(entry.name);
    }
    return names.sort();
  }

  /** The real root, and the real path of the directory `dirKey` with its real ancestors; undefined when it is not there. */
  private async startWalk(
    dirKey: string,
    options: ListOptions,
    onUnreadable?: (object: FolderObject) => void,
  ): Promise<WalkState | undefined> {
    const realRoot = await realpath(this.root).catch(() => undefined);
    if (realRoot === undefined) return undefined;
    // The real path of every folder down to `dirKey`: a link back to any of them is a loop.
    const ancestors = new Set([realRoot]);
    let realDir = realRoot;
    const parts = dirKey.split("/").filter((part) => part !== "");
    for (const [i, part] of parts.entries()) {
      const key = parts.slice(0, i + 1).join("/");
      const next = await realpath(path.join(realDir, part)).catch((error: NodeJS.ErrnoException) => error);
      if (typeof next !== "string") {
        // A missing folder lists nothing; a link that leads nowhere is skipped, as listFolders says.
        const link = await lstat(path.join(realDir, part)).then(
          (info) => info.isSymbolicLink(),
          () => false,
        );
        if (link) options.onSkipped?.({ key, reason: next.code === "ELOOP" ? LINK_LOOP : LINK_DANGLING });
        // A folder on the way that is there but cannot be entered is no missing folder: say so.
        else if (!["ENOENT", "ENOTDIR"].includes(next.code ?? "")) {
          onUnreadable?.({ key: `${key}/`, size: 0, etag: "", unreadable: unreadableFolder(next) });
        }
        return undefined;
      }
      if (!isInside(realRoot, next) || ancestors.has(next)) {
        options.onSkipped?.({ key, reason: isInside(realRoot, next) ? LINK_LOOP : LINK_OUTSIDE });
        return undefined;
      }
      ancestors.add(next);
      realDir = next;
    }
    return { realRoot, realDir, ancestors, reported: new Set() };
  }

  private async entriesOf(dirKey: string): Promise<Dirent[]> {
    try {
      // By name, so that the walk meets keys in (nearly) key order: what is reported first is stable.
      const entries = await readdir(this.pathOf(dirKey), { withFileTypes: true });
      return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    } catch (error) {
      if (["ENOENT", "ENOTDIR"].includes((error as NodeJS.ErrnoException).code ?? "")) return [];
      throw error;
    }
  }

  /**
   * What an entry is once its links are resolved, under the rules of the listing: a link counts as
   * what it points to only when its real target stays inside the folder's real root; a link leading
   * out, a dangling link and a loop (a folder linking to one of its ancestors) are skipped.
   */
  private async resolve(
    walk: WalkState,
    key: string,
    entry: Dirent,
    options: ListOptions,
  ): Promise<{ kind: "file" | "directory"; realPath: string } | undefined> {
    const plain = path.join(walk.realDir, entry.name);
    if (!entry.isSymbolicLink()) {
      if (entry.isDirectory()) return { kind: "directory", realPath: plain };
      return entry.isFile() ? { kind: "file", realPath: plain } : undefined;
    }
    const skip = (reason: string) => {
      const where = path.join(walk.realDir, entry.name);
      if (!walk.reported.has(where)) options.onSkipped?.({ key, reason });
      walk.reported.add(where);
      return undefined;
    };
    let target: string;
    try {
      target = await realpath(this.pathOf(key));
    } catch (error) {
      return skip((error as NodeJS.ErrnoException).code === "ELOOP" ? LINK_LOOP : LINK_DANGLING);
    }
    if (!isInside(walk.realRoot, target)) return skip(LINK_OUTSIDE);
    const info = await stat(target).catch(() => undefined);
    if (info?.isDirectory()) {
      return walk.ancestors.has(target) ? skip(LINK_LOOP) : { kind: "directory", realPath: target };
    }
    return info?.isFile() ? { kind: "file", realPath: target } : skip(LINK_DANGLING);
  }

  private async walk(
    walk: WalkState,
    dirKey: string,
    prefix: string,
    out: ListedFile[],
    options: ListOptions,
  ): Promise<void> {
    const entries = await this.entriesOf(dirKey).catch((error: NodeJS.ErrnoException) => {
      // A folder that cannot be listed costs only itself: it is listed as unreadable, the walk goes on.
      const unreadable = unreadableFolder(error);
      out.push({ key: dirKey, size: 0, etag: "", realPath: `${walk.realDir}${path.sep}`, unreadable });
      return [] as Dirent[];
    });
    for (const entry of entries) {
      const key = `${dirKey}${entry.name}`;
      if (entry.isDirectory() || entry.isSymbolicLink()) {
        // Only what the prefix can reach is resolved: links elsewhere in the folder are not this listing's business.
        const reachable = `${key}/`.startsWith(prefix) || prefix.startsWith(`${key}/`) || key.startsWith(prefix);
        if (!reachable) continue;
      }
      const resolved = await this.resolve(walk, key, entry, options);
      if (resolved?.kind === "directory") {
        if (`${key}/`.startsWith(prefix) || prefix.startsWith(`${key}/`)) {
          const ancestors = new Set(walk.ancestors).add(resolved.realPath);
          await this.walk({ ...walk, realDir: resolved.realPath, ancestors }, `${key}/`, prefix, out, options);
        }
      } else if (resolved?.kind === "file" && key.startsWith(prefix) && !entry.name.includes(".tmp-")) {
        const info = await stat(resolved.realPath);
        const realKey = path.relative(walk.realRoot, resolved.realPath).split(path.sep).join("/");
        out.push({
          key,
          size: info.size,
          etag: String(Math.trunc(info.mtimeMs)),
          realPath: resolved.realPath,
          ...(realKey !== key ? { realKey } : {}),
        });
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
    // A rename is atomic on one file system and copies nothing; across devices the file is copied
    // next to the target first, then renamed there.
    const moved = await rename(localPath, target).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code !== "EXDEV") throw error;
        return false;
      },
    );
    if (moved) return;
    const temp = `${target}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
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
