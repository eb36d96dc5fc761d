import { randomUUID } from "node:crypto";
import {
  type Config,
  INGESTED_FILE_MANIFEST_STRUCTURE,
  INGESTED_FILES_TABLE,
  type Platform,
  PRODUCT_VIEWS_PER_MINUTE_TABLE,
  parseDay,
  queryRows,
  runCommand,
  type Store,
} from "@ctr/schemas";
import { z } from "zod";
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

const CountSchema = z.object({ rows: z.coerce.number(), views: z.coerce.number() });

/**
 * Fills a fresh, uniquely named staging copy of `target` by `select`, then replaces the target's
 * (day, platform) partition with it, or drops that partition when the staging table is empty
 * (REPLACE PARTITION from a source without the partition is refused). Returns the staged rows.
 */
async function replacePartition(
  store: Store,
  target: string,
  partition: { platform: Platform; day: string },
  fill: { query: string; params: Record<string, string> } | undefined,
  countColumn: string,
): Promise<{ rows: number; views: number }> {
  // DDL takes no bound parameters: the day is a validated YYYY-MM-DD, the platform one of three
  // constants, the staging name hex digits; nothing from input reaches these strings otherwise.
  const partitionExpr = `('${partition.day}', '${partition.platform}')`;
  const staging = `${target}_staging_${randomUUID().replaceAll("-", "")}`;
  await runCommand(store.client, { name: `create_staging_${target}`, query: `CREATE TABLE ${staging} AS ${target}` });
  try {
    if (fill)
      await runCommand(store.client, {
        name: `fill_staging_${target}`,
        query: fill.query.replace("{staging}", staging),
        params: fill.params,
      });
    const [count] = await queryRows(store.client, {
      name: `count_staging_${target}`,
      query: `SELECT count() AS rows, sum(${countColumn}) AS views FROM ${staging}`,
      schema: CountSchema,
    });
    const rows = count?.rows ?? 0;
    await runCommand(store.client, {
      name: `replace_partition_${target}`,
      query:
        rows === 0
          ? `ALTER TABLE ${target} DROP PARTITION ${partitionExpr}`
          : `ALTER TABLE ${target} REPLACE PARTITION ${partitionExpr} FROM ${staging}`,
    });
    return { rows, views: count?.views ?? 0 };
  } finally {
    await runCommand(store.client, { name: `drop_staging_${target}`, query: `DROP TABLE IF EXISTS ${staging}` });
  }
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
  const partition = { platform, day };
  const params = { day, platform };
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
  const views = await replacePartition(
    deps.store,
    PRODUCT_VIEWS_PER_MINUTE_TABLE,
    partition,
    countsSource && {
      query: `INSERT INTO {staging} (day, platform, minute, product, views)
              SELECT {day:Date}, {platform:String}, toDateTime(minute, 'UTC'), product, sum(views)
              FROM ${countsSource.sql} GROUP BY minute, product`,
      params: { ...params, ...countsSource.params },
    },
    "views",
  );
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
  const files = await replacePartition(
    deps.store,
    INGESTED_FILES_TABLE,
    partition,
    manifestSource && {
      query: `INSERT INTO {staging} (day, platform, file, size, etag, batches, events, views, ignored, malformed, loaded_at)
              SELECT {day:Date}, {platform:String}, file, size, etag, batches, events, views, ignored, malformed, now64(3)
              FROM ${manifestSource.sql}`,
      params: { ...params, ...manifestSource.params },
    },
    "views",
  );
  return { platform, day, files: files.rows, rows: views.rows, views: views.views };
}
