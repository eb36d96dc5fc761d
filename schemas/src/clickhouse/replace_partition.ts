import { randomUUID } from "node:crypto";
import { z } from "zod";
import { stagingStatements, storageAfterEngine } from "./cluster_ddl.ts";
import { queryRows, runCommand } from "./query.ts";
import type { Store } from "./store.ts";
import { rollupInsert, rollupsOf } from "./tables/per_minute_rollups.ts";

const StagedSchema = z.object({ rows: z.coerce.number(), total: z.coerce.number() });

/** What one partition replacement does. */
export interface PartitionReplacement {
  /** The table whose partition is replaced. */
  table: string;
  /**
   * The partition as a ClickHouse literal, e.g. `'2016-02-01'` or `('2016-02-01', 'iOS')`. DDL takes
   * no bound parameters, so callers build it from validated values only (a parsed day, a platform).
   */
  partition: string;
  /** Fills the staging table, a fresh copy of `table`'s structure; absent: the partition (and its rollups') empties. */
  fill?: (staging: string) => Promise<void>;
  /** The column whose sum over the staged rows is returned (views, purchases). */
  totalColumn: string;
}

/** A staging table and the statements around it. */
export interface Staged {
  table: string;
  staging: string;
  statements: ReturnType<typeof stagingStatements>;
}

/**
 * Replaces a partition whole: the rows go into a fresh, uniquely named staging table, which then
 * replaces the partition, or drops it when nothing was staged (ClickHouse refuses REPLACE PARTITION
 * from a source without that partition). Re-running, or two runs at once, leave the same content,
 * so no write ever double counts. Returns the staged rows and the total of `totalColumn`.
 *
 * The table's rollups (per_minute_rollups.ts) are rebuilt in the same step: their staging tables are
 * filled from the staged per-minute rows, and only when everything is staged do the replacements run,
 * the source first, then its rollups, back to back. So a failure while reading or staging (the slow,
 * failure-prone part) changes nothing, and a failure between the replacements leaves the rollups of
 * this one partition behind their source until the step is run again, which replaces them all.
 *
 * On a cluster (CLICKHOUSE_CLUSTER) the staging tables are replicated on every node and synced before
 * they are read (stagingStatements), and the replacements replicate through the targets' logs.
 */
export async function replacePartition(
  store: Store,
  { table, partition, fill, totalColumn }: PartitionReplacement,
): Promise<{ rows: number; total: number }> {
  const rollups = rollupsOf(table);
  const targets = [table, ...rollups.map((r) => r.table)];
  if (!fill) {
    for (const target of targets) await dropPartition(store, target, partition);
    return { rows: 0, total: 0 };
  }
  const staged: Staged[] = [];
  try {
    for (const target of targets) staged.push(await createStaging(store, target));
    const [source, ...rollupStagings] = staged as [Staged, ...Staged[]];
    await fill(source.staging);
    await syncStaging(store, source);
    for (const [i, rollup] of rollups.entries()) {
      const into = rollupStagings[i] as Staged;
      await runCommand(store.client, {
        name: `fill_staging_${rollup.table}`,
        query: rollupInsert(table, rollup, { from: source.staging, into: into.staging, onePartition: false }),
      });
      await syncStaging(store, into);
    }
    const [counted] = await queryRows(store.client, {
      name: `count_staging_${table}`,
      query: `SELECT count() AS rows, sum(${totalColumn}) AS total FROM ${source.staging}`,
      schema: StagedSchema,
    });
    const rows = counted?.rows ?? 0;
    for (const { table: target, staging } of staged) {
      await replaceOrDropPartition(store, target, partition, rows === 0 ? undefined : staging);
    }
    return { rows, total: counted?.total ?? 0 };
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
