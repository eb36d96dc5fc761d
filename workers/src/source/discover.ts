import { stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { type Platform, parseDay, parsePlatform, type SourceFile } from "@ctr/schemas";
import { type Folder, type FolderObject, FolderReadError, type SkippedObject } from "./folder.ts";
import { LocalFolder } from "./local_folder.ts";

/** Event files the contract accepts: .json, .ndjson, .jsonl, each optionally gzipped. */
const EVENT_FILE = /\.(json|ndjson|jsonl)(\.gz)?$/i;

/** What discovery found under one source for one (platform, day) folder. */
export interface DayFiles {
  platform: Platform;
  day: string;
  files: SourceFile[];
  /**
   * Objects in the day folder that are not event files (README, _SUCCESS, ...), and links skipped
   * (leading outside the source, dangling, loops, or to a file listed under its own key).
   */
  skipped: number;
}

/** A day folder of the source: its platform folder as spelled there (`ios`), the platform, the day. */
export interface DayFolder {
  dir: string;
  platform: Platform;
  day: string;
}

/** How far the listing of the wanted day folders got: `done` of `total`, the last one listed. */
export interface ListingProgress {
  platform: Platform;
  day: string;
  done: number;
  total: number;
}

/** True when the name ends in an event file's extension. */
export function isEventFile(name: string): boolean {
  return EVENT_FILE.test(name);
}

/** True when `key` is `<platform>/<YYYY-MM-DD>/<event file>`: a file some day folder lists. */
function isLayoutEventFile(key: string): boolean {
  const [platformDir, day, name, ...rest] = key.split("/");
  return (
    rest.length === 0 &&
    name !== undefined &&
    isEventFile(name) &&
    platformDir !== undefined &&
    parsePlatform(platformDir) !== undefined &&
    day !== undefined &&
    parseDay(day) !== undefined
  );
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

/** Day folders listed at once: S3 answers each LIST in tens of milliseconds, a year of days is ~1,100 of them. */
export const LISTING_CONCURRENCY = 16;

/**
 * The platform folders of the source that hold `platforms`, as spelled there (`ios/` is iOS; a
 * platform may have several spellings). Lists the source's top level only, folders only. A folder
 * that is no platform's (`Windows/`, a typo such as `iOS_old/`) is handed to `onOtherFolder`: its
 * files are never read, which a run must say.
 */
export async function listPlatformFolders(
  source: Folder,
  platforms: readonly Platform[],
  onSkipped?: (skipped: SkippedObject) => void,
  onOtherFolder?: (name: string) => void,
): Promise<{ dir: string; platform: Platform }[]> {
  const found: { dir: string; platform: Platform }[] = [];
  for (const dir of await source.listFolders("", { onSkipped })) {
    const platform = parsePlatform(dir);
    if (platform === undefined) onOtherFolder?.(dir);
    else if (platforms.includes(platform)) found.push({ dir, platform });
  }
  return found;
}

/**
 * Every day folder under the platform folders of `platforms`, in key order: what the daily run
 * compares with the manifest. Lists folders only, never files; a backfill lists only its days.
 */
export async function listDayFolders(
  source: Folder,
  platforms: readonly Platform[],
  onSkipped?: (skipped: SkippedObject) => void,
): Promise<DayFolder[]> {
  const found: DayFolder[] = [];
  for (const { dir, platform } of await listPlatformFolders(source, platforms, onSkipped)) {
    for (const day of await source.listFolders(`${dir}/`, { onSkipped })) {
      if (parseDay(day)) found.push({ dir, platform, day });
    }
  }
  return found;
}

/**
 * Lists the event files of each (platform, day) wanted: the platform folders first, then only the
 * wanted days' folders (`<platform>/<day>/`), LISTING_CONCURRENCY at once, each reported through
 * `onProgress` as it is done. Never a walk of the whole source: a day of a source holding years
 * costs one listing per platform folder and day. Every wanted pair is returned, with no files
 * when its folder is missing. A file reached through a link to an event file of some day folder is
 * left to that folder; other files reached twice are listed once, under the first key in key order.
 */
export async function discoverDays(
  source: Folder,
  wanted: { platforms: readonly Platform[]; days: readonly string[] },
  options: {
    onProgress?: (progress: ListingProgress) => void;
    /** Called with each top-level folder that is no platform's (listPlatformFolders). Default: nothing. */
    onOtherFolder?: (name: string) => void;
  } = {},
): Promise<DayFiles[]> {
  const result = new Map<string, DayFiles>();
  for (const platform of wanted.platforms) {
    for (const day of wanted.days) result.set(`${platform}/${day}`, { platform, day, files: [], skipped: 0 });
  }
  const firstDay = [...wanted.days].sort()[0];
  // A skipped link counts on its day; a platform folder's link (no day in its key) on the first day.
  const onSkipped = ({ key }: SkippedObject) => {
    const [platformDir = "", day = firstDay] = key.split("/");
    const entry = result.get(`${parsePlatform(platformDir)}/${day}`);
    if (entry) entry.skipped += 1;
  };
  await assertSourceExists(source);
  const platformFolders = await listPlatformFolders(source, wanted.platforms, onSkipped, options.onOtherFolder);
  const folders: DayFolder[] = platformFolders.flatMap(({ dir, platform }) =>
    wanted.days.map((day) => ({ dir, platform, day })),
  );
  let done = 0;
  const listings = await Readable.from(folders)
    .map(
      async (folder: DayFolder) => {
        const objects: FolderObject[] = [];
        for await (const object of source.list(`${folder.dir}/${folder.day}/`, { onSkipped })) objects.push(object);
        options.onProgress?.({ platform: folder.platform, day: folder.day, done: ++done, total: folders.length });
        return { folder, objects };
      },
      { concurrency: LISTING_CONCURRENCY },
    )
    .toArray();
  // Key order across folders, whatever order the listings finished in: which key of a file reached
  // twice is kept must not depend on timing.
  const seen = new Set<string>();
  for (const { folder, objects } of listings as { folder: DayFolder; objects: FolderObject[] }[]) {
    const entry = result.get(`${folder.platform}/${folder.day}`);
    if (!entry) continue;
    for (const object of objects) {
      const rest = object.key.split("/").slice(2);
      const reachedTwice =
        object.realKey !== undefined && (isLayoutEventFile(object.realKey) || seen.has(object.realKey));
      if (object.realKey !== undefined) seen.add(object.realKey);
      if (object.unreadable !== undefined) {
        // Whatever it holds is unknown: listed, it fails as a file, and its day is partial.
        entry.files.push({ key: object.key, size: 0, etag: "", unreadable: object.unreadable });
      } else if (rest.length === 1 && isEventFile(rest[0] ?? "") && !reachedTwice) {
        entry.files.push({ key: object.key, size: object.size, etag: object.etag });
      } else {
        entry.skipped += 1;
      }
    }
  }
  return [...result.values()];
}
