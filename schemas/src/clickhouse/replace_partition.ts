import { randomUUID } from "node:crypto";
import { z } from "zod";
import { stagingStatements, storageAfterEngine } from "./cluster_ddl.ts";
import { queryRows, runCommand } from "./query.ts";
import type { Store } from "./store.ts";

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
  /** Fills the staging table, a fresh copy of `table`'s structure; absent: the partition empties. */
  fill?: (staging: string) => Promise<void>;
  /** The column whose sum over the staged rows is returned (views, purchases). */
  totalColumn: string;
}

/**
 * Replaces a partition whole: the rows go into a fresh, uniquely named staging table, which then
 * replaces the partition, or drops it when nothing was staged (ClickHouse refuses REPLACE PARTITION
 * from a source without that partition). Re-running, or two runs at once, leave the same content,
 * so no write ever double counts. Returns the staged rows and the total of `totalColumn`.
 * On a cluster (CLICKHOUSE_CLUSTER) the staging table is replicated on every node and synced before
 * the replacement (stagingStatements), and the replacement replicates through the target's log.
 */
export async function replacePartition(
  store: Store,
  { table, partition, fill, totalColumn }: PartitionReplacement,
): Promise<{ rows: number; total: number }> {
  // Hex digits only: safe to splice into the DDL.
  const staging = `${table}_staging_${randomUUID().replaceAll("-", "")}`;
  const statements = stagingStatements(
    table,
    staging,
    store.cluster ? { name: store.cluster, storage: await storageOf(store, table) } : undefined,
  );
  await runCommand(store.client, { name: `create_staging_${table}`, query: statements.create });
  try {
    await fill?.(staging);
    if (statements.sync) await runCommand(store.client, { name: `sync_staging_${table}`, query: statements.sync });
    const [staged] = await queryRows(store.client, {
      name: `count_staging_${table}`,
      query: `SELECT count() AS rows, sum(${totalColumn}) AS total FROM ${staging}`,
      schema: StagedSchema,
    });
    const rows = staged?.rows ?? 0;
    // On a cluster the target is replicated: the ALTER goes through its replication log to every
    // replica of the shard, so it needs no ON CLUSTER.
    await runCommand(store.client, {
      name: `replace_partition_${table}`,
      query:
        rows === 0
          ? `ALTER TABLE ${table} DROP PARTITION ${partition}`
          : `ALTER TABLE ${table} REPLACE PARTITION ${partition} FROM ${staging}`,
    });
    return { rows, total: staged?.total ?? 0 };
  } finally {
    await runCommand(store.client, { name: `drop_staging_${table}`, query: statements.drop });
  }
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
