import { stat } from "node:fs/promises";
import { type Platform, parseDay, parsePlatform, type SourceFile } from "@ctr/schemas";
import { type Folder, FolderReadError } from "./folder.ts";
import { LocalFolder } from "./local_folder.ts";

/** Event files the contract accepts: .json, .ndjson, .jsonl, each optionally gzipped. */
const EVENT_FILE = /\.(json|ndjson|jsonl)(\.gz)?$/i;

/** What discovery found under one source for one (platform, day) folder. */
export interface DayFiles {
  platform: Platform;
  day: string;
  files: SourceFile[];
  /** Objects in the day folder that are not event files (README, _SUCCESS, ...). */
  skipped: number;
}

/** True when the file name is an event file by its extension. */
export function isEventFile(name: string): boolean {
  return EVENT_FILE.test(name);
}

/**
 * Refuses a local source folder that does not exist: that is a typo in --source or EVENTS_SOURCE,
 * not a source without events, and planning it would empty the days' views and prune their Parquet.
 */
export async function assertSourceExists(source: Folder): Promise<void> {
  if (!(source instanceof LocalFolder)) return;
  const info = await stat(source.root).catch(() => undefined);
  if (!info?.isDirectory()) throw new FolderReadError(source.root, "the source folder does not exist");
}

/**
 * Lists the event files of each (platform, day) wanted. Platform folders match case-insensitively
 * (`ios/` is iOS); every wanted pair is returned, with no files when its folder is missing.
 */
export async function discoverDays(
  source: Folder,
  wanted: { platforms: readonly Platform[]; days: readonly string[] },
): Promise<DayFiles[]> {
  const result = new Map<string, DayFiles>();
  for (const platform of wanted.platforms) {
    for (const day of wanted.days) result.set(`${platform}/${day}`, { platform, day, files: [], skipped: 0 });
  }
  const days = new Set(wanted.days);
  await assertSourceExists(source);
  for await (const object of source.list("")) {
    const [platformDir, day, ...rest] = object.key.split("/");
    const platform = platformDir === undefined ? undefined : parsePlatform(platformDir);
    if (!platform || day === undefined || !days.has(day) || !parseDay(day) || rest.length === 0) continue;
    const entry = result.get(`${platform}/${day}`);
    if (!entry) continue;
    if (rest.length === 1 && isEventFile(rest[0] ?? "")) entry.files.push(object);
    else entry.skipped += 1;
  }
  return [...result.values()];
}
