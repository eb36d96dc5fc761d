import type { Config, JobStatus } from "@ctr/schemas";

/** A folder of the server, and the name it is shown under (the variable that sets it). */
export interface ServerFolder {
  name: string;
  dir: string;
}

/** The local folders of the configuration: the data folder, and the source and sink when local. */
export function serverFoldersOf(config: Pick<Config, "dataDir" | "eventsSource" | "parquetSink">): ServerFolder[] {
  const folders: ServerFolder[] = [{ name: "CTR_DATA_DIR", dir: config.dataDir }];
  if (config.eventsSource.kind === "local") folders.push({ name: "EVENTS_SOURCE", dir: config.eventsSource.dir });
  if (config.parquetSink.kind === "local") folders.push({ name: "PARQUET_SINK", dir: config.parquetSink.dir });
  // The longest first: the source usually lies inside the data folder.
  return folders.sort((a, b) => b.dir.length - a.dir.length);
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

// An absolute POSIX path standing on its own (not the tail of a URL, a relative key or HTTP/1.1).
const ABSOLUTE_PATH = /(?<![\w.~:/-])\/(?:[^\s'"`,;:()/]+\/)*([^\s'"`,;:()/]+)/g;

// The user and password of a URL (`redis://user:secret@host`, `https://key:secret@bucket...`).
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@'"`]*@/gi;

/**
 * A message for a client without the server's file layout or secrets: a configured folder becomes
 * its variable (`$EVENTS_SOURCE/iOS/...`), any other absolute path its last segment (`…/passwd`),
 * and a URL loses its user and password. Every answer that carries text the engine wrote (a file's
 * reason, a step's failure, an error of a library) goes through it: /coverage, /jobs/{id}, the
 * errors of app.onError.
 */
export function hideServerPaths(text: string, folders: readonly ServerFolder[]): string {
  let hidden = text.replace(URL_CREDENTIALS, "$1");
  for (const { name, dir } of folders) {
    hidden = hidden.replace(new RegExp(`${escapeRegExp(dir)}(?![\\w.-])`, "g"), () => `$${name}`);
  }
  return hidden.replace(ABSOLUTE_PATH, (_path, last: string) => `…/${last}`);
}

/** hideServerPaths with the configuration's folders, for a route's texts. */
export function serverPathHider(
  config: Pick<Config, "dataDir" | "eventsSource" | "parquetSink">,
): (text: string) => string {
  const folders = serverFoldersOf(config);
  return (text) => hideServerPaths(text, folders);
}

/**
 * A job status as a client may see it: every text that can name a file (failures, refused days,
 * unreadable files, malformed records) without server paths.
 */
export function hideServerPathsOfStatus(status: JobStatus, hide: (text: string) => string): JobStatus {
  return {
    ...status,
    failures: status.failures.map((f) => ({ step: hide(f.step), message: hide(f.message) })),
    malformedLocations: status.malformedLocations.map((m) => ({ ...m, file: hide(m.file), reason: hide(m.reason) })),
    refused: status.refused.map((r) => ({ ...r, message: hide(r.message), missingFiles: r.missingFiles.map(hide) })),
    failedFiles: status.failedFiles.map((f) => ({ ...f, file: hide(f.file), reason: hide(f.reason) })),
  };
}
