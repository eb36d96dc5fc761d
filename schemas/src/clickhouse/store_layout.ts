import { z } from "zod";
import { onCluster } from "./cluster_ddl.ts";
import { queryRows, runCommand } from "./query.ts";
import type { Store } from "./store.ts";
import { CTR_PER_DAY_TABLE, CTR_PER_HOUR_TABLE } from "./tables/ctr_rollups.ts";
import { INGESTED_FILES_TABLE } from "./tables/ingested_files.ts";
import {
  PRODUCT_VIEWS_PER_DAY_TABLE,
  PRODUCT_VIEWS_PER_HOUR_TABLE,
  PURCHASES_PER_DAY_TABLE,
  PURCHASES_PER_HOUR_TABLE,
} from "./tables/per_minute_rollups.ts";
import { PRODUCT_VIEWS_PER_MINUTE_TABLE } from "./tables/product_views_per_minute.ts";
import { PURCHASES_PER_MINUTE_TABLE } from "./tables/purchases_per_minute.ts";

/**
 * The layout every table has, as the migrations create it: version 1 partitioned the views by
 * (day, platform) and the rest by day, a partition per folder or day; version 2 partitions every
 * table by month. Raise it with a change of TABLE_LAYOUTS.
 */
export const STORE_LAYOUT_VERSION = 2;

/** The table whose comment records the layout version (migration 0008). */
export const STORE_LAYOUT_TABLE = "store_layout_v1";

/** A table's partition and sorting keys, as ClickHouse prints them in system.tables. */
export interface TableLayout {
  table: string;
  partitionBy: string;
  orderBy: string;
}

const BY_MONTH = "toYYYYMM(day)";

/**
 * The keys of the current layout, the same as the migrations' CREATE TABLEs. Months, as ClickHouse
 * advises: no finer partition than a month, under 1,000 partitions a table (docs/DESIGN.md, "Partitions").
 */
export const TABLE_LAYOUTS: readonly TableLayout[] = [
  { table: PRODUCT_VIEWS_PER_MINUTE_TABLE, partitionBy: BY_MONTH, orderBy: "product, platform, minute" },
  { table: PRODUCT_VIEWS_PER_HOUR_TABLE, partitionBy: BY_MONTH, orderBy: "product, platform, minute" },
  { table: PRODUCT_VIEWS_PER_DAY_TABLE, partitionBy: BY_MONTH, orderBy: "product, platform, minute" },
  { table: PURCHASES_PER_MINUTE_TABLE, partitionBy: BY_MONTH, orderBy: "platform, product, minute" },
  { table: PURCHASES_PER_HOUR_TABLE, partitionBy: BY_MONTH, orderBy: "product, platform, minute" },
  { table: PURCHASES_PER_DAY_TABLE, partitionBy: BY_MONTH, orderBy: "product, platform, minute" },
  { table: INGESTED_FILES_TABLE, partitionBy: BY_MONTH, orderBy: "day, platform, file" },
  {
    table: CTR_PER_HOUR_TABLE,
    partitionBy: "toYYYYMM(toDate(minute, 'Etc/GMT+3'))",
    orderBy: "product, platform, minute",
  },
  {
    table: CTR_PER_DAY_TABLE,
    partitionBy: "toYYYYMM(toDate(minute, 'Etc/GMT+3'))",
    orderBy: "product, platform, minute",
  },
];

const LAYOUT_COMMENT = /^layout (\d+)$/;

/**
 * The layout version the store records, from the schema's comments as migrate reads them (`table`
 * → comment): 0 for none (a store from before the record, or one whose record was never set).
 */
export function storeLayoutVersion(schema: ReadonlyMap<string, string>): number {
  return Number(LAYOUT_COMMENT.exec(schema.get(STORE_LAYOUT_TABLE) ?? "")?.[1] ?? 0);
}

/** Records that the store has the current layout, its rollups filled: the table's comment, no data written. */
export async function recordStoreLayout(store: Store): Promise<void> {
  const statement = `ALTER TABLE ${STORE_LAYOUT_TABLE} MODIFY COMMENT 'layout ${STORE_LAYOUT_VERSION}'`;
  await runCommand(store.client, {
    name: "store_layout.record",
    query: store.cluster ? onCluster(statement, store.cluster) : statement,
  });
}

const KeysSchema = z.object({ name: z.string(), partition_key: z.string(), sorting_key: z.string() });
const flat = (key: string) => key.replaceAll(/\s+/g, "");

/** What relayoutTables did to one table. */
export interface Relayout {
  table: string;
  /** Rows copied into the new layout. */
  rows: number;
}

/** A leftover of a rebuild that stopped, or the old table after the exchange. */
const relayoutName = (table: string) => `${table}_relayout`;

/**
 * Rebuilds each table whose keys differ from TABLE_LAYOUTS (a store created by an older version):
 * a copy of the table with the current keys is filled a partition of the new layout at a time (each
 * INSERT writes one partition: ClickHouse's max_partitions_per_insert_block), then swapped with the
 * table in one `EXCHANGE TABLES`, and the old one dropped. A rebuild that stops leaves the table as it
 * was; the next `migrate` drops the half-filled copy and starts again. It needs the table's size
 * again on disk while it runs. On a cluster it refuses: the tables are replicated, and each replica
 * must be rebuilt by an operator (docs/FAILURE_MODES.md).
 */
export async function relayoutTables(store: Store, onTable?: (relayout: Relayout) => void): Promise<Relayout[]> {
  const tables = await queryRows(store.client, {
    name: "store_layout.keys",
    query: `SELECT name, partition_key, sorting_key FROM system.tables
            WHERE database = currentDatabase() AND name IN {names:Array(String)}`,
    params: { names: TABLE_LAYOUTS.map((l) => l.table) },
    schema: KeysSchema,
  });
  const done: Relayout[] = [];
  for (const layout of TABLE_LAYOUTS) {
    const held = tables.find((t) => t.name === layout.table);
    if (
      !held ||
      (flat(held.partition_key) === flat(layout.partitionBy) && flat(held.sorting_key) === flat(layout.orderBy))
    ) {
      continue;
    }
    if (store.cluster) {
      throw new Error(
        `${layout.table} is partitioned by ${held.partition_key || "nothing"}, not ${layout.partitionBy}: ` +
          "a replicated table is not rebuilt by migrate; see docs/FAILURE_MODES.md (store layout) to rebuild it on the cluster",
      );
    }
    const relayout = await relayoutTable(store, layout);
    onTable?.(relayout);
    done.push(relayout);
  }
  return done;
}

async function relayoutTable(store: Store, { table, partitionBy, orderBy }: TableLayout): Promise<Relayout> {
  const copy = relayoutName(table);
  const run = (name: string, query: string, params?: Record<string, unknown>) =>
    runCommand(store.client, { name: `store_layout.${name}`, query, ...(params ? { params } : {}) });
  await run("drop_leftover", `DROP TABLE IF EXISTS ${copy} SYNC`);
  await run(
    "create",
    `CREATE TABLE ${copy} AS ${table} ENGINE = MergeTree PARTITION BY ${partitionBy} ORDER BY (${orderBy})`,
  );
  const months = await queryRows(store.client, {
    name: "store_layout.months",
    query: `SELECT DISTINCT ${partitionBy} AS month FROM ${table} ORDER BY month`,
    schema: z.object({ month: z.coerce.number() }),
  });
  for (const { month } of months) {
    await run("copy", `INSERT INTO ${copy} SELECT * FROM ${table} WHERE ${partitionBy} = {month:UInt32}`, { month });
  }
  const [counted] = await queryRows(store.client, {
    name: "store_layout.count",
    query: `SELECT (SELECT count() FROM ${table}) AS before, (SELECT count() FROM ${copy}) AS after`,
    schema: z.object({ before: z.coerce.number(), after: z.coerce.number() }),
  });
  if (!counted || counted.before !== counted.after) {
    throw new Error(
      `${table}: the copy in the new layout holds ${counted?.after} rows, not ${counted?.before}; nothing was changed`,
    );
  }
  await run("exchange", `EXCHANGE TABLES ${table} AND ${copy}`);
  await run("drop_old", `DROP TABLE ${copy} SYNC`);
  return { table, rows: counted.after };
}
