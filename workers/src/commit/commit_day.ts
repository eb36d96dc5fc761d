import {
  type Config,
  INGESTED_FILE_MANIFEST_STRUCTURE,
  INGESTED_FILES_TABLE,
  type Platform,
  PRODUCT_VIEWS_PER_MINUTE_TABLE,
  parseDay,
  replacePartition,
  runCommand,
  type Store,
} from "@ctr/schemas";
import { fileIdInKey, outputDir } from "../ingest/sink_layout.ts";
import type { Folder } from "../source/folder.ts";
import { listAll } from "../source/folder.ts";
import { sinkTableFunction } from "./sink_table_function.ts";

/** What a commit of one (platform, day) left in ClickHouse. */
export interface CommitResult {
  platform: Platform;
  day: string;
  /** Source files whose outputs were committed. */
  files: number;
  /** Rows now in the (day, platform) partition of product_views_per_minute_v1. */
  rows: number;
  views: number;
}

/**
 * Commits a (platform, day): loads every per-minute counts Parquet and every manifest the sink
 * holds for it and replaces the (day, platform) partitions of product_views_per_minute_v1 and
 * ingested_files_v1 with them. Re-running, or two runs at once, leave the same content; a day
 * without outputs ends up empty.
 */
export async function commitPlatformDay(
  { platform, day }: { platform: Platform; day: string },
  deps: { store: Store; sink: Folder; s3: Config["s3"] },
): Promise<CommitResult> {
  if (!parseDay(day)) throw new RangeError(`not a day: ${day}`);
  const manifests = await listAll(deps.sink, outputDir("manifest", platform, day));
  // Only files with a manifest count: the manifest is published last, so a file cut short by a
  // crash has none, and its leftover Parquet stays out until it is processed again.
  const fileIds = manifests.map((m) => fileIdInKey(m.key)).filter((id): id is string => id !== undefined);
  const fileGlob = fileIds.length === 1 ? fileIds[0] : `{${fileIds.join(",")}}`;
  // The day is validated above and the platform is one of three constants: safe in the DDL.
  const partition = `('${day}', '${platform}')`;
  const params = { day, platform };
  // Fills a staging table by an INSERT ... SELECT whose values are bound.
  const insertInto = (query: string, queryParams: Record<string, string>, name: string) => (staging: string) =>
    runCommand(deps.store.client, { name, query: query.replace("{staging}", staging), params: queryParams });
  const countsSource =
    fileIds.length > 0
      ? sinkTableFunction(
          deps.sink,
          deps.s3,
          `${outputDir("minute_counts", platform, day)}${fileGlob}.parquet`,
          "Parquet",
          "minute DateTime64(6, 'UTC'), product String, views UInt64",
        )
      : undefined;
  const views = await replacePartition(deps.store, {
    table: PRODUCT_VIEWS_PER_MINUTE_TABLE,
    partition,
    totalColumn: "views",
    fill:
      countsSource &&
      insertInto(
        `INSERT INTO {staging} (day, platform, minute, product, views)
         SELECT {day:Date}, {platform:String}, toDateTime(minute, 'UTC'), product, sum(views)
         FROM ${countsSource.sql} GROUP BY minute, product`,
        { ...params, ...countsSource.params },
        "fill_staging_views",
      ),
  });
  const manifestSource =
    fileIds.length > 0
      ? sinkTableFunction(
          deps.sink,
          deps.s3,
          `${outputDir("manifest", platform, day)}${fileGlob}.json`,
          "JSONEachRow",
          INGESTED_FILE_MANIFEST_STRUCTURE,
        )
      : undefined;
  const files = await replacePartition(deps.store, {
    table: INGESTED_FILES_TABLE,
    partition,
    totalColumn: "views",
    fill:
      manifestSource &&
      insertInto(
        `INSERT INTO {staging} (day, platform, file, size, etag, batches, events, views, ignored, malformed, loaded_at)
         SELECT {day:Date}, {platform:String}, file, size, etag, batches, events, views, ignored, malformed, now64(3)
         FROM ${manifestSource.sql}`,
        { ...params, ...manifestSource.params },
        "fill_staging_manifest",
      ),
  });
  return { platform, day, files: files.rows, rows: views.rows, views: views.total };
}
