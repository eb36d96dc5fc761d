import type { Readable } from "node:stream";

/** One object under a folder: its key relative to the folder root, size and change marker. */
export interface FolderObject {
  /** Path relative to the folder root with `/` separators, e.g. `iOS/2016-02-01/part-1.json.gz`. */
  key: string;
  size: number;
  /** S3 ETag, or the mtime in ms of a local file. */
  etag: string;
}

/**
 * A place files live: a local folder or an S3 prefix. Sources read event files from one; the
 * Parquet sink writes to one. Keys are always relative to the root and use `/`.
 */
export interface Folder {
  readonly kind: "local" | "s3";
  /** `s3://bucket/prefix` or the absolute folder, for messages. */
  readonly description: string;
  /** Every object whose key starts with `prefix`, in key order. */
  list(prefix: string): AsyncIterable<FolderObject>;
  /** A stream of the object's bytes; rejects with FolderReadError when it cannot be opened. */
  open(key: string): Promise<Readable>;
  /** A local path holding the object's bytes: the file itself, or a temp copy under `tempDir`. */
  localCopy(key: string, tempDir: string): Promise<{ path: string; temporary: boolean }>;
  /** Publishes a local file under `key` in one step (rename or one PUT): never half-visible. */
  put(key: string, localPath: string): Promise<void>;
  /** Publishes a small text object in one step. */
  putText(key: string, text: string): Promise<void>;
  readText(key: string): Promise<string>;
  delete(keys: readonly string[]): Promise<void>;
}

/** An object that could not be read: missing, unreadable or cut short. Names the object. */
export class FolderReadError extends Error {
  constructor(
    readonly location: string,
    message: string,
    options?: { cause: unknown },
  ) {
    super(`${location}: ${message}`, options);
    this.name = "FolderReadError";
  }
}

/** Collects a listing into an array (listings of one day folder are small). */
export async function listAll(folder: Folder, prefix: string): Promise<FolderObject[]> {
  const objects: FolderObject[] = [];
  for await (const object of folder.list(prefix)) objects.push(object);
  return objects;
}
