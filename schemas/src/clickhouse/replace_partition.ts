import { randomUUID } from "node:crypto";
import { z } from "zod";
import { stagingStatements, storageAfterEngine } from "./cluster_ddl.ts";
import { queryRows, runCommand } from "./query.ts";
import type { Store } from "./store.ts";
import { rollupInsert, rollupsOf } from "./tables/per_minute_rollups.ts";

const StagedSchema = z.object({ rows: z.coerce.number(), total: z.coerce.number(), all: z.coerce.number() });

/** Partition ids are digits, hex and `-` (ClickHouse makes them): safe in DDL once checked. */
const PARTITION_ID = /^[0-9a-zA-Z_-]+$/;

/**
 * The rows a replacement rewrites inside one partition: a condition over the table's columns with its
 * bound parameters, e.g. `day = {day:Date} AND platform = {platform:String}` (one folder's views in
 * a month's partition).
 */
export interface Slice {
  where: string;
  params: Record<string, unknown>;
}

/** What one replacement does. */
export interface PartitionReplacement {
  /** The table whose partition is replaced. */
  table: string;
  /** The partition's id (as in system.parts), e.g. `201602` for a month partitioned by toYYYYMM(day). */
  partitionId: string;
  /**
   * The rows of the partition the replacement rewrites; the partition's other rows are carried over
   * as they are. Absent: the whole partition is rewritten.
   */
  slice?: Slice;
  /** Fills the staging table (a fresh copy of `table`'s structure) with the slice's new rows; absent: the slice empties. */
  fill?: (staging: string) => Promise<void>;
  /** The column whose sum over the slice's new rows is returned (views, purchases). */
  totalColumn: string;
}

/** A staging table and the statements around it. */
export interface Staged {
  table: string;
  staging: string;
  statements: ReturnType<typeof stagingStatements>;
}

/**
 * Replaces a slice of a partition (a day of a month) atomically. A fresh, uniquely named staging
 * table receives the partition's other rows as they are and the slice's new rows; it then replaces
 * the partition in one `REPLACE PARTITION` (or the partition is dropped when nothing is left), so
 * readers see the old partition or the new one, never a mix. Re-running, or two runs of the same
 * slice, leave the same content: no write ever double counts. Returns the slice's new rows and the
 * total of `totalColumn` over them.
 *
 * Partitions are coarse (a month) because ClickHouse's cost of opening, listing and merging grows
 * with the number of parts, not bytes (docs/DESIGN.md, "Partitions"); the slice is what a step
 * rewrites. Carrying the month's other rows over costs a copy of the month per step, bounded by the
 * month whatever the history.
 *
 * The table's rollups (per_minute_rollups.ts) are rebuilt in the same step: their staging tables get
 * their own partition's other rows and the slice's sums from the staged per-minute rows, and only when
 * everything is staged do the replacements run, the source first, then its rollups, back to back. So
 * a failure while reading or staging changes nothing, and a failure between the replacements leaves
 * the rollups of this partition behind their source until the step is run again.
 *
 * Two writers of the same partition must not interleave (each would carry over the other's slice as
 * it was): the store serialises them (`Store.exclusive`). On a cluster (CLICKHOUSE_CLUSTER) the
 * staging tables are replicated on every node and synced before they are read (stagingStatements),
 * and the replacements replicate through the targets' logs.
 */
export async function replacePartition(
  store: Store,
  replacement: PartitionReplacement,
): Promise<{ rows: number; total: number }> {
  const { table, partitionId } = replacement;
  if (!PARTITION_ID.test(partitionId)) throw new Error(`unexpected partition id ${partitionId} of ${table}`);
  return store.exclusive(`${table}/${partitionId}`, () => replaceExclusively(store, replacement));
}

async function replaceExclusively(
  store: Store,
  { table, partitionId, slice, fill, totalColumn }: PartitionReplacement,
): Promise<{ rows: number; total: number }> {
  const rollups = rollupsOf(table);
  const staged: Staged[] = [];
  const params = { ...slice?.params, partitionId };
  const inSlice = slice ? `(${slice.where})` : "1";
  try {
    for (const target of [table, ...rollups.map((r) => r.table)]) {
      const one = await createStaging(store, target);
      staged.push(one);
      if (slice) {
        // The partition's rows outside the slice, as they are.
        await runCommand(store.client, {
          name: `carry_over_${target}`,
          query: `INSERT INTO ${one.staging} SELECT * FROM ${target} WHERE _partition_id = {partitionId:String} AND NOT ${inSlice}`,
          params,
        });
      }
    }
    const [source, ...rollupStagings] = staged as [Staged, ...Staged[]];
    await fill?.(source.staging);
    await syncStaging(store, source);
    for (const [i, rollup] of rollups.entries()) {
      const into = rollupStagings[i] as Staged;
      await runCommand(store.client, {
        name: `fill_staging_${rollup.table}`,
        query: rollupInsert(table, rollup, { from: source.staging, into: into.staging, where: inSlice }),
        params,
      });
      await syncStaging(store, into);
    }
    const [counted] = await queryRows(store.client, {
      name: `count_staging_${table}`,
      query: `SELECT countIf(${inSlice}) AS rows, sumIf(${totalColumn}, ${inSlice}) AS total, count() AS all FROM ${source.staging}`,
      params,
      schema: StagedSchema,
    });
    const empty = (counted?.all ?? 0) === 0;
    for (const { table: target, staging } of staged) {
      await replaceOrDropPartition(store, target, `ID '${partitionId}'`, empty ? undefined : staging);
    }
    return { rows: counted?.rows ?? 0, total: counted?.total ?? 0 };
  } finally {
    for (const { table: target, statements } of staged) {
      await runCommand(store.client, { name: `drop_staging_${target}`, query: statements.drop });
    }
  }
}

/**
 * Replaces a partition of `table` with the same partition of `staging`, or drops it when there is no
 * staging table or it holds nothing of that partition (ClickHouse refuses REPLACE PARTITION from a
 * source without it). On a cluster the targets are replicated: an ALTER goes through the target's
 * replication log to every replica of the shard, so it needs no ON CLUSTER.
 */
export async function replaceOrDropPartition(
  store: Store,
  table: string,
  partition: string,
  staging: string | undefined,
): Promise<void> {
  if (staging === undefined) return dropPartition(store, table, partition);
  await runCommand(store.client, {
    name: `replace_partition_${table}`,
    query: `ALTER TABLE ${table} REPLACE PARTITION ${partition} FROM ${staging}`,
  });
}

function dropPartition(store: Store, table: string, partition: string): Promise<void> {
  return runCommand(store.client, {
    name: `drop_partition_${table}`,
    query: `ALTER TABLE ${table} DROP PARTITION ${partition}`,
  });
}

/** A fresh, uniquely named staging table of `table`'s structure, created. */
export async function createStaging(store: Store, table: string): Promise<Staged> {
  // Hex digits only: safe to splice into the DDL.
  const staging = `${table}_staging_${randomUUID().replaceAll("-", "")}`;
  const statements = stagingStatements(
    table,
    staging,
    store.cluster ? { name: store.cluster, storage: await storageOf(store, table) } : undefined,
  );
  await runCommand(store.client, { name: `create_staging_${table}`, query: statements.create });
  return { table, staging, statements };
}

/** On a cluster, waits until this node's replica of a staging table holds every row inserted on any node. */
export async function syncStaging(store: Store, { table, statements }: Staged): Promise<void> {
  if (statements.sync) await runCommand(store.client, { name: `sync_staging_${table}`, query: statements.sync });
}

/** A table's storage clause after its engine (keys, settings), as ClickHouse holds it. */
export async function storageOf(store: Store, table: string): Promise<string> {
  const [row] = await queryRows(store.client, {
    name: `storage_of_${table}`,
    query: "SELECT engine_full FROM system.tables WHERE database = currentDatabase() AND name = {table:String}",
    params: { table },
    schema: z.object({ engine_full: z.string() }),
  });
  if (!row) throw new Error(`table ${table} does not exist: run the migrations (ctr migrate)`);
  return storageAfterEngine(row.engine_full);
}
