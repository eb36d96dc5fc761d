import os from "node:os";
import path from "node:path";
import { isGzipped, readHead, sniffShape } from "@ctr/workers";
import { DuckDBInstance } from "@duckdb/node-api";
import { type BaselineDetail, PLATFORM_FROM_PATH, quotePath } from "./baseline_sql.ts";

/** The batch shape with explicit types: every field the outputs need, nothing sampled. */
const COLUMNS = `{events: 'STRUCT(event_type VARCHAR, data STRUCT(event_name VARCHAR, timestamp_unixtime_ms DOUBLE, event_id VARCHAR, session_id VARCHAR, custom_attributes STRUCT(codeColor VARCHAR)))[]', mpid: 'VARCHAR'}`;
const IS_VIEW = `e.event_type = 'custom_event' AND e.data.event_name = 'product' AND coalesce(e.data.custom_attributes.codeColor, '') <> ''`;

/**
 * DuckDB's read_json reads one layout per call, so files are grouped by the layout the product's own
 * sniffer (workers' file_shape.ts) sees in them, one read_json per group, UNION ALL in one COPY.
 * Views are filtered after unnest: a list_filter lambda costs about twice as much in DuckDB.
 */
async function readByShape(files: readonly string[]): Promise<string> {
  const groups = new Map<string, string[]>();
  for (const file of files) {
    const shape = sniffShape(await readHead(file, isGzipped(file)));
    groups.set(shape, [...(groups.get(shape) ?? []), file]);
  }
  return [...groups]
    .map(
      ([shape, list]) =>
        `SELECT unnest(events) AS e, mpid, filename
         FROM read_json([${list.map(quotePath).join(", ")}], format = '${shape}', columns = ${COLUMNS},
                        filename = true, compression = 'auto_detect')`,
    )
    .join("\nUNION ALL\n");
}

/** The two statements of a DuckDB floor: the views as Parquet, then per-minute counts of them. */
interface FloorStatements {
  engine: string;
  threads: number;
  /** The SELECT of the views, written to views.parquet. */
  views: string;
  /** The per-minute GROUP BY over `read_parquet(views.parquet)`, written to minute_counts.parquet. */
  counts: (viewsParquet: string) => string;
}

/** Runs a floor's two statements in a fresh DuckDB, timing each, and reads back what the counts add up to. */
async function runFloor(floor: FloorStatements, outDir: string): Promise<BaselineDetail> {
  const instance = await DuckDBInstance.create(":memory:", {
    threads: String(floor.threads),
    preserve_insertion_order: "false",
    temp_directory: path.join(outDir, "tmp"),
  });
  const connection = await instance.connect();
  const views = path.join(outDir, "views.parquet");
  const counts = path.join(outDir, "minute_counts.parquet");
  try {
    const t0 = performance.now();
    await connection.run(`COPY (${floor.views}) TO ${quotePath(views)} (FORMAT parquet, COMPRESSION zstd)`);
    const t1 = performance.now();
    await connection.run(
      `COPY (${floor.counts(quotePath(views))}) TO ${quotePath(counts)} (FORMAT parquet, COMPRESSION zstd)`,
    );
    const t2 = performance.now();
    const check = await connection.runAndReadAll(
      `SELECT count(*)::BIGINT AS rows, coalesce(sum(views), 0)::BIGINT AS views FROM read_parquet(${quotePath(counts)})`,
    );
    const row = check.getRowObjectsJS()[0] ?? {};
    return {
      engine: floor.engine,
      statements: 2,
      views: Number(row.views ?? 0),
      minuteRows: Number(row.rows ?? 0),
      convertMs: t1 - t0,
      countsMs: t2 - t1,
    };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** A view's UTC minute as DuckDB's timestamp. */
const MINUTE = "make_timestamptz(CAST(floor(ts_ms / 60000) * 60000000 AS BIGINT)) AS minute";

/**
 * The DuckDB baseline: two statements over all files, JSON → views Parquet, then per-minute counts
 * from that Parquet. DuckDB runs with its defaults (all cores, 80% of RAM) and without keeping file
 * order, which is what it is fastest at.
 */
export async function convertWithDuckDb(
  files: readonly string[],
  outDir: string,
  /** DuckDB threads. Default: every core. */
  threads = os.availableParallelism(),
): Promise<BaselineDetail> {
  return runFloor(
    {
      engine: "duckdb",
      threads,
      views: `SELECT e.data.timestamp_unixtime_ms AS ts_ms, e.data.custom_attributes.codeColor AS product,
                     regexp_extract(filename, ${PLATFORM_FROM_PATH}, 1) AS platform,
                     e.data.event_id AS event_id, e.data.session_id AS session_id, mpid, filename AS source_file
              FROM (${await readByShape(files)})
              WHERE ${IS_VIEW}`,
      counts: (views) =>
        `SELECT ${MINUTE}, platform, product, count(*)::UBIGINT AS views
         FROM read_parquet(${views}) GROUP BY ALL ORDER BY ALL`,
    },
    outDir,
  );
}

/** What the plain statement may add, one at a time, to measure what each costs (bench/ingest/ideas.ts). */
export interface PlainVariant {
  /** The ids' type. Default BIGINT: the 64-bit integers they are. */
  ids?: "BIGINT" | "VARCHAR";
  /** Write the platform folder and the source file on every row. */
  sourceColumns?: boolean;
  /** Read the time and codeColor as JSON text and cast them, as the contract's type rules need. */
  jsonTypes?: boolean;
  /** Lead with `part`, the file's position in the list, for a partitioned COPY. */
  part?: boolean;
}

/**
 * The plain pipeline's views of NDJSON `files`: the ids as the 64-bit integers they are, no source
 * file or platform per row (unless a variant adds one).
 */
export function plainViewsStatement(files: readonly string[], variant: PlainVariant = {}): string {
  const ids = variant.ids ?? "BIGINT";
  const typed = variant.jsonTypes ? "JSON" : null;
  const columns = `{events: 'STRUCT(event_type VARCHAR, data STRUCT(event_name VARCHAR, timestamp_unixtime_ms ${typed ?? "DOUBLE"}, event_id ${ids}, session_id ${ids}, custom_attributes STRUCT(codeColor ${typed ?? "VARCHAR"})))[]', mpid: '${ids}'}`;
  const list = `[${files.map(quotePath).join(", ")}]`;
  const time = variant.jsonTypes
    ? `CASE WHEN NOT starts_with(e.data.timestamp_unixtime_ms::VARCHAR, '"') THEN TRY_CAST(e.data.timestamp_unixtime_ms::VARCHAR AS DOUBLE) END`
    : "e.data.timestamp_unixtime_ms";
  const product = variant.jsonTypes
    ? `replace(e.data.custom_attributes.codeColor::VARCHAR, '"', '')`
    : "e.data.custom_attributes.codeColor";
  const isView = variant.jsonTypes
    ? `e.event_type = 'custom_event' AND e.data.event_name = 'product' AND starts_with(e.data.custom_attributes.codeColor::VARCHAR, '"') AND e.data.custom_attributes.codeColor::VARCHAR <> '""'`
    : IS_VIEW;
  const part = variant.part ? `list_position(${list}, filename) AS part, ` : "";
  const sources = variant.sourceColumns
    ? `, regexp_extract(filename, ${PLATFORM_FROM_PATH}, 1) AS platform, filename AS source_file`
    : "";
  // The file name only where a variant reads it: the floor's statement reads none.
  const named = variant.part || variant.sourceColumns;
  return `SELECT ${part}${time} AS ts_ms, ${product} AS product, e.data.event_id AS event_id,
                 e.data.session_id AS session_id, mpid${sources}
          FROM (SELECT unnest(events) AS e, mpid${named ? ", filename" : ""}
                FROM read_json(${list}, format = 'newline_delimited', columns = ${columns}${named ? ", filename = true" : ""}))
          WHERE ${isView}`;
}

/**
 * The plain floor: the simplest pipeline a user could write with DuckDB for NDJSON files. One COPY
 * over every file (gzip by extension) of the views with their ids as BIGINT, no source file or
 * platform per row, then one per-minute GROUP BY over that Parquet. What the job costs on this engine,
 * without any of the product's output choices.
 */
export async function convertPlainWithDuckDb(files: readonly string[], outDir: string): Promise<BaselineDetail> {
  return runFloor(
    {
      engine: "duckdb-plain",
      threads: os.availableParallelism(),
      views: plainViewsStatement(files),
      counts: (views) =>
        `SELECT ${MINUTE}, product, count(*)::UBIGINT AS views FROM read_parquet(${views}) GROUP BY ALL`,
    },
    outDir,
  );
}
