import type { Readable } from "node:stream";

/** One object under a folder: its key relative to the folder root, size and change marker. */
export interface FolderObject {
  /** Path relative to the folder root with `/` separators, e.g. `iOS/2016-02-01/part-1.json.gz`. */
  key: string;
  size: number;
  /** S3 ETag, or the mtime in ms of a local file. */
  etag: string;
  /**
   * Local folders only, for a key reached through a symbolic link: the key of the file it really is
   * (its real path relative to the folder's real root). Absent when the key is the file itself.
   */
  realKey?: string;
  /**
   * Local folders only: set for a folder under the prefix that could not be listed (its key ends in
   * `/`), with why, without a server path. What it holds is unknown, so the listing says so.
   */
  unreadable?: string;
}

/** An object a listing passed over, and why (a link leading outside the folder, a dangling link, a loop). */
export interface SkippedObject {
  key: string;
  reason: string;
}

/** What a listing reports besides the objects. */
export interface ListOptions {
  /** Called for each object or folder the listing skips. Default: skipped silently. */
  onSkipped?: (skipped: SkippedObject) => void;
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
  list(prefix: string, options?: ListOptions): AsyncIterable<FolderObject>;
  /**
   * The names of the folders directly under `prefix` (which is empty or ends in `/`), sorted: what a
   * planner walks to find day folders without listing every file of the source.
   */
  listFolders(prefix: string, options?: ListOptions): Promise<string[]>;
  /** A stream of the object's bytes; rejects with FolderReadError when it cannot be opened. */
  open(key: string): Promise<Readable>;
  /** A local path holding the object's bytes: the file itself, or a temp copy under `tempDir`. */
  localCopy(key: string, tempDir: string): Promise<{ path: string; temporary: boolean }>;
  /**
   * Publishes a local file under `key` in one step (rename or one PUT): never half-visible. The
   * local file is the caller's temporary: a local folder may move it rather than copy it.
   */
  put(key: string, localPath: string): Promise<void>;
  /** Publishes a small text object in one step. */
  putText(key: string, text: string): Promise<void>;
  readText(key: string): Promise<string>;
  delete(keys: readonly string[]): Promise<void>;
}

/** An object that could not be read: missing, unreadable or cut short. Names the object. */
export class FolderReadError extends Error {
  /**
   * True when reading again cannot help: the object is missing, forbidden or not a file. False for
   * what may pass (a dropped connection, a throttled request): the caller should retry.
   */
  readonly permanent: boolean;

  constructor(
    readonly location: string,
    message: string,
    options?: { cause: unknown },
  ) {
    super(`${location}: ${message}`, options);
    this.name = "FolderReadError";
    this.permanent = options === undefined || isMissingOrForbidden(options.cause);
  }
}

/** File-system codes and S3 answers that say the object is not there or not ours to read. */
const PERMANENT_CODES = new Set(["ENOENT", "EACCES", "EPERM", "EISDIR", "ENOTDIR", "ELOOP"]);
const PERMANENT_S3_ERRORS = new Set(["NoSuchKey", "NotFound", "AccessDenied", "InvalidObjectState"]);

function isMissingOrForbidden(cause: unknown): boolean {
  if (!(cause instanceof Error)) return false;
  const code = (cause as NodeJS.ErrnoException).code;
  if (code !== undefined && PERMANENT_CODES.has(code)) return true;
  if (PERMANENT_S3_ERRORS.has(cause.name)) return true;
  const status = (cause as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return status === 403 || status === 404;
}

/** Collects a listing into an array (listings of one day folder are small). */
export async function listAll(folder: Folder, prefix: string): Promise<FolderObject[]> {
  const objects: FolderObject[] = [];
  for await (const object of folder.list(prefix)) objects.push(object);
  return objects;
}
