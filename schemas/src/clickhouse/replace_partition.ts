import { randomUUID } from "node:crypto";
import { z } from "zod";
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
 */
export async function replacePartition(
  store: Store,
  { table, partition, fill, totalColumn }: PartitionReplacement,
): Promise<{ rows: number; total: number }> {
  // Hex digits only: safe to splice into the DDL.
  const staging = `${table}_staging_${randomUUID().replaceAll("-", "")}`;
  await runCommand(store.client, { name: `create_staging_${table}`, query: `CREATE TABLE ${staging} AS ${table}` });
  try {
    await fill?.(staging);
    const [staged] = await queryRows(store.client, {
      name: `count_staging_${table}`,
      query: `SELECT count() AS rows, sum(${totalColumn}) AS total FROM ${staging}`,
      schema: StagedSchema,
    });
    const rows = staged?.rows ?? 0;
    await runCommand(store.client, {
      name: `replace_partition_${table}`,
      query:
        rows === 0
          ? `ALTER TABLE ${table} DROP PARTITION ${partition}`
          : `ALTER TABLE ${table} REPLACE PARTITION ${partition} FROM ${staging}`,
    });
    return { rows, total: staged?.total ?? 0 };
  } finally {
    await runCommand(store.client, { name: `drop_staging_${table}`, query: `DROP TABLE IF EXISTS ${staging}` });
  }
}
