import {
  type Config,
  ctrDaysOfFolders,
  ctrDaysOfViews,
  getIngestedFiles,
  INGESTED_FILE_MANIFEST_STRUCTURE,
  INGESTED_FILES_TABLE,
  isIncompleteFile,
  monthPartitionId,
  type Platform,
  PRODUCT_VIEWS_PER_DAY_TABLE,
  PRODUCT_VIEWS_PER_MINUTE_TABLE,
  parseDay,
  queryRows,
  recordingDataChange,
  refreshCtrDays,
  replacePartition,
  runCommand,
  type SourceFile,
  type Store,
  viewTimeWindow,
} from "@ctr/schemas";
import { z } from "zod";
import { fileIdInKey, fileIdOf, outputDir } from "../ingest/sink_layout.ts";
import type { Folder } from "../source/folder.ts";
import { listAll } from "../source/folder.ts";
import { checkNothingVanishes } from "./day_guard.ts";
import { pruneStaleOutputs } from "./prune_outputs.ts";
import { sinkTableFunction } from "./sink_table_function.ts";

/** What a commit of one (platform, day) left in ClickHouse. */
export interface CommitResult {
  platform: Platform;
  day: string;
  /** Source files whose manifests were committed, failed ones included. */
  files: number;
  /** Rows now in the (day, platform) slice of product_views_per_minute_v1. */
  rows: number;
  views: number;
  /** Files of the day that could not be read: the day is partial while there are any. */
  failedFiles: { file: string; reason: string }[];
}

export interface CommitDeps {
  store: Store;
  sink: Folder;
  s3: Config["s3"];
}

/** One manifest of the sink, as the commit needs it. */
interface SinkManifest {
  id: string;
  file: string;
  status: "loaded" | "failed";
  reason: string;
}

const ManifestRowSchema = z.object({ file: z.string(), status: z.string(), reason: z.string() });

/** How ClickHouse reads each kind of output: the file's extension, its format and its columns. */
const OUTPUT_FORMATS = {
  manifest: { extension: "json", format: "JSONEachRow", structure: INGESTED_FILE_MANIFEST_STRUCTURE },
  events: { extension: "parquet", format: "Parquet", structure: "ts_ms Float64, product String" },
} as const;

/** The sink's outputs of `kind` of these files of a (platform, day), as a table function; undefined for no file. */
function sinkOutputs(
  deps: CommitDeps,
  kind: keyof typeof OUTPUT_FORMATS,
  { platform, day }: { platform: Platform; day: string },
  ids: readonly string[],
) {
  if (ids.length === 0) return undefined;
  const { extension, format, structure } = OUTPUT_FORMATS[kind];
  const glob = ids.length === 1 ? (ids[0] ?? "") : `{${ids.join(",")}}`;
  return sinkTableFunction(
    deps.sink,
    deps.s3,
    `${outputDir(kind, platform, day)}${glob}.${extension}`,
    format,
    structure,
  );
}

/**
 * A view's (minute, product) as one String: the minute's start in seconds as 4 fixed bytes, then the
 * product's bytes. ClickHouse groups a (DateTime, String) pair through its slow serialized-keys
 * method; one String key takes its string hash map: a third of the CPU on the sample's 1.5 M views
 * (measured once, docs/BENCHMARKS.md, "Decisions measured once"). The fixed width makes it exact: the first 4 bytes are always
 * the minute, the rest the product. A view's time lies in its day's window, which viewTimeWindow
 * clamps to what a DateTime holds, so the minute fits a UInt32.
 */
const MINUTE_PRODUCT_KEY = `concat(toFixedString(reinterpretAsString(toUInt32(toInt64(floor(ts_ms / 60000)) * 60)), 4), product)`;

/** The manifests the sink holds for a (platform, day): read by ClickHouse, one query. */
async function readSinkManifests(platform: Platform, day: string, deps: CommitDeps): Promise<SinkManifest[]> {
  const listed = await listAll(deps.sink, outputDir("manifest", platform, day));
  const ids = listed.map((m) => fileIdInKey(m.key)).filter((id): id is string => id !== undefined);
  const source = sinkOutputs(deps, "manifest", { platform, day }, ids);
  if (!source) return [];
  const rows = await queryRows(deps.store.client, {
    name: "read_sink_manifests",
    query: `SELECT file, status, reason FROM ${source.sql}`,
    params: source.params,
    schema: ManifestRowSchema,
  });
  // Manifests written before file statuses existed have none: they were loaded.
  return rows.map((row) => ({
    id: fileIdOf(row.file),
    file: row.file,
    status: row.status === "failed" ? "failed" : "loaded",
    reason: row.reason,
  }));
}

const CountSchema = z.object({ rows: z.coerce.number() });

async function countViewRows(store: Store, platform: Platform, day: string): Promise<number> {
  const [row] = await queryRows(store.client, {
    name: "count_view_rows",
    query: `SELECT count() AS rows FROM ${PRODUCT_VIEWS_PER_MINUTE_TABLE} WHERE day = {day:Date} AND platform = {platform:String}`,
    params: { day, platform },
    schema: CountSchema,
  });
  return row?.rows ?? 0;
}

/**
 * Commits a (platform, day) from its source listing: the one path both the in-process executor and
 * the queue's commit-day job take. First the guard (`checkNothingVanishes`): a file that the sink's
 * manifests or ingested_files_v1 say was loaded must still be listed, unless `allowEmpty`; a refused
 * day throws DayRefusedError and nothing is changed. Then the outputs of files gone from the listing
 * are pruned and the day is committed from what remains. Called once the day's shards are done, so
 * the sink is pruned only after the day's new outputs are complete.
 */
export async function commitListedDay(
  target: { platform: Platform; day: string; files: readonly SourceFile[]; allowEmpty?: boolean },
  deps: CommitDeps,
): Promise<CommitResult> {
  const { platform, day } = target;
  if (!parseDay(day)) throw new RangeError(`not a day: ${day}`);
  const manifests = await readSinkManifests(platform, day, deps);
  const committed = await getIngestedFiles(deps.store.client, { from: day, to: day, platform });
  const listed = target.files.map((f) => f.key);
  checkNothingVanishes({
    platform,
    day,
    listed,
    known: [...manifests, ...committed],
    allowEmpty: target.allowEmpty === true,
  });
  if (listed.length === 0 && manifests.length === 0 && committed.length === 0) {
    // Nothing listed, nothing loaded: no partition to replace, unless rows got in some other way. A
    // long range over a sparse source is mostly such days; they cost two reads, not four DDLs.
    if ((await countViewRows(deps.store, platform, day)) === 0) {
      return { platform, day, files: 0, rows: 0, views: 0, failedFiles: [] };
    }
  }
  const failedKeys = manifests.filter((m) => m.status === "failed").map((m) => m.file);
  await pruneStaleOutputs(deps.sink, { platform, day, sourceKeys: listed, failedKeys });
  const kept = new Set(listed.map(fileIdOf));
  return recordingDataChange(deps.store, () =>
    commitManifests(
      { platform, day },
      deps,
      manifests.filter((m) => kept.has(m.id)),
    ),
  );
}

/**
 * Commits a (platform, day) from everything the sink holds for it (`ctr rebuild`): loads the
 * per-minute counts of its loaded files and all its manifests and replaces the (day, platform)
 * partitions of product_views_per_minute_v1 (and its hourly and daily rollups) and ingested_files_v1
 * with them. Re-running, or two
 * runs at once, leave the same content. The same guard as a backfill's: a file ingested_files_v1
 * says was loaded must still have its manifest in the sink, unless `allowEmpty` (then a day without
 * outputs ends up empty); a refused day throws DayRefusedError and nothing is changed.
 */
export async function commitPlatformDay(
  { platform, day, allowEmpty = false }: { platform: Platform; day: string; allowEmpty?: boolean },
  deps: CommitDeps,
): Promise<CommitResult> {
  if (!parseDay(day)) throw new RangeError(`not a day: ${day}`);
  const manifests = await readSinkManifests(platform, day, deps);
  const committed = await getIngestedFiles(deps.store.client, { from: day, to: day, platform });
  checkNothingVanishes({
    platform,
    day,
    listed: manifests.map((m) => m.file),
    known: committed,
    allowEmpty,
    listedFrom: "sink",
  });
  return recordingDataChange(deps.store, () => commitManifests({ platform, day }, deps, manifests));
}

/**
 * Whether a platform-day's views are what its file records say (the same total of views), i.e. no
 * earlier commit of it stopped between replacing the views and recording the files. Read from the
 * daily rollup, replaced with the views: what the CTR rollups are gathered from, and a small fraction
 * of the per-minute rows.
 */
async function viewsMatchFiles(store: Store, params: { day: string; platform: Platform }): Promise<boolean> {
  const [row] = await queryRows(store.client, {
    name: "views_match_files",
    query: `SELECT (SELECT sum(views) FROM ${PRODUCT_VIEWS_PER_DAY_TABLE} WHERE day = {day:Date} AND platform = {platform:String})
                 = (SELECT sum(views) FROM ${INGESTED_FILES_TABLE}
                    WHERE day = {day:Date} AND platform = {platform:String} AND status = 'loaded') AS same`,
    params,
    schema: z.object({ same: z.coerce.number() }),
  });
  return row?.same === 1;
}

/**
 * The GMT-3 days of the CTR rollups a commit of a platform-day changes: those its views covered
 * before and cover now. When an earlier commit of it may have stopped after replacing the views,
 * what they covered before that is unknown: then every day the folder's window reaches.
 */
async function ctrDaysChanged<T>(
  store: Store,
  params: { day: string; platform: Platform },
  replaceViews: () => Promise<T>,
): Promise<{ replaced: T; ctrDays: string[] }> {
  const settled = await viewsMatchFiles(store, params);
  const before = settled ? await ctrDaysOfViews(store, params) : ctrDaysOfFolders(params.day, params.day);
  const replaced = await replaceViews();
  return { replaced, ctrDays: [...new Set([...before, ...(await ctrDaysOfViews(store, params))])] };
}

/**
 * Replaces the (day, platform) partitions with what the manifests name. The callers record it as a
 * data change (recordingDataChange) around the whole, so that no cache keys a new generation to a
 * half-replaced day.
 */
async function commitManifests(
  { platform, day }: { platform: Platform; day: string },
  deps: CommitDeps,
  manifests: readonly SinkManifest[],
): Promise<CommitResult> {
  // Only files with a manifest count: the manifest is published last, so a file cut short by a
  // crash has none, and its leftover Parquet stays out until it is processed again. A failed file's
  // manifest is committed (the day's record says it failed) but its Parquet, if any is left, is not.
  const loadedIds = manifests.filter((m) => m.status === "loaded").map((m) => m.id);
  const allIds = manifests.map((m) => m.id);
  // The (day, platform) is one slice of its month's partition; the month's other days are carried over.
  const params = { day, platform };
  const slice = {
    partitionId: monthPartitionId(day),
    slice: { where: "day = {day:Date} AND platform = {platform:String}", params },
  };
  // Fills a staging table by an INSERT ... SELECT whose values are bound.
  const insertInto = (query: string, queryParams: Record<string, string>, name: string) => (staging: string) =>
    runCommand(deps.store.client, { name, query: query.replace("{staging}", staging), params: queryParams });
  // The views are counted per minute here, from the events Parquet, in one pass over the whole day:
  // ClickHouse is the aggregator anyway. The window is applied again because sinks written before
  // it existed may hold views outside it; every output written since holds none.
  // The views' rollups are replaced with them, from the same staged rows (replacePartition); the
  // manifest goes last, so a step that fails before it leaves the day unrecorded and a re-run redoes it.
  const eventsSource = sinkOutputs(deps, "events", { platform, day }, loadedIds);
  const window = viewTimeWindow(day);
  const { replaced: views, ctrDays } = await ctrDaysChanged(deps.store, params, () =>
    replacePartition(deps.store, {
      table: PRODUCT_VIEWS_PER_MINUTE_TABLE,
      ...slice,
      totalColumn: "views",
      fill:
        eventsSource &&
        insertInto(
          `INSERT INTO {staging} (day, platform, minute, product, views)
         SELECT {day:Date}, {platform:String}, toDateTime(reinterpretAsUInt32(substring(k, 1, 4)), 'UTC'), substring(k, 5), views
         FROM (SELECT ${MINUTE_PRODUCT_KEY} AS k, count() AS views
               FROM ${eventsSource.sql}
               WHERE ts_ms >= {windowFrom:Float64} AND ts_ms < {windowTo:Float64}
               GROUP BY k)`,
          {
            ...params,
            ...eventsSource.params,
            windowFrom: String(window.fromMs),
            windowTo: String(window.toMs),
          },
          "fill_staging_views",
        ),
    }),
  );
  // What /ctr reads on an hour's or a day's grain gathers the views of several folders: the GMT-3
  // days this commit changes are brought in line before the manifest records the day (none for a
  // platform without files that day).
  await refreshCtrDays(deps.store, ctrDays);
  const manifestSource = sinkOutputs(deps, "manifest", { platform, day }, allIds);
  const files = await replacePartition(deps.store, {
    table: INGESTED_FILES_TABLE,
    ...slice,
    totalColumn: "views",
    fill:
      manifestSource &&
      insertInto(
        `INSERT INTO {staging} (day, platform, file, size, etag, batches, events, views, ignored, malformed, status, reason, loaded_at)
         SELECT {day:Date}, {platform:String}, file, size, etag, batches, events, views, ignored, malformed,
           if(status = 'failed', 'failed', 'loaded'), reason, now64(3)
         FROM ${manifestSource.sql}`,
        { ...params, ...manifestSource.params },
        "fill_staging_manifest",
      ),
  });
  const failedFiles = manifests
    .filter(isIncompleteFile)
    .map(({ file, reason }) => ({ file, reason }))
    .sort((a, b) => (a.file < b.file ? -1 : 1));
  return { platform, day, files: files.rows, rows: views.rows, views: views.total, failedFiles };
}
