import { z } from "zod";
import { queryRows, runCommand } from "./query.ts";
import { replacePartition } from "./replace_partition.ts";
import type { Store } from "./store.ts";
import { recordDataChange } from "./tables/data_generations.ts";
import { ROLLUPS, type Rollup, rollupInsert, rollupsOf } from "./tables/per_minute_rollups.ts";

/** One partition of a rollup that was rebuilt from its per-minute source, or dropped with it. */
export interface RollupFill {
  table: string;
  /** The partition as ClickHouse prints it, e.g. `201602` (a month). */
  partition: string;
  /** Rows the rollup's partition holds now; 0 when it was dropped. */
  rows: number;
}

const PartSchema = z.object({ table: z.string(), partition_id: z.string(), partition: z.string() });

/**
 * The active partitions of some tables (partition id → printed form, e.g. `'2016-02-01'`), optionally
 * only those whose `day` is within `days`.
 */
export async function partitionsOf(
  store: Store,
  tables: readonly string[],
  days?: { from: string; to: string },
): Promise<Map<string, Map<string, string>>> {
  const rows = await queryRows(store.client, {
    name: "rollups.partitions",
    query: `SELECT DISTINCT table, partition_id, partition FROM system.parts
            WHERE database = currentDatabase() AND active AND table IN {tables:Array(String)}${
              days ? "\n              AND min_date <= {to:Date} AND max_date >= {from:Date}" : ""
            }`,
    params: { tables, ...days },
    schema: PartSchema,
  });
  const byTable = new Map(tables.map((table) => [table, new Map<string, string>()]));
  for (const row of rows) byTable.get(row.table)?.set(row.partition_id, row.partition);
  return byTable;
}

/** Partitions (id, printed form) in id order: the order of the refills must not depend on the listing's. */
function byPartitionId(partitions: Iterable<[string, string]>): [string, string][] {
  return [...partitions].sort(([a], [b]) => (a < b ? -1 : 1));
}

/** Replaces one partition of a rollup with the sums of its source's same partition (dropped when that is empty). */
async function refillPartition(
  store: Store,
  source: string,
  rollup: Rollup,
  partitionId: string,
  partition: string,
): Promise<RollupFill> {
  const measure = ROLLUPS[source]?.measure ?? "";
  // No slice: the whole partition is rewritten, and its rows are the ones returned.
  const { rows } = await replacePartition(store, {
    table: rollup.table,
    partitionId,
    totalColumn: measure,
    fill: (staging) =>
      runCommand(store.client, {
        name: `fill_staging_${rollup.table}`,
        query: rollupInsert(source, rollup, {
          from: source,
          into: staging,
          where: "_partition_id = {partitionId:String}",
        }),
        params: { partitionId },
      }),
  });
  return { table: rollup.table, partition, rows };
}

/**
 * Brings every rollup's partitions in line with its per-minute source's partitions, by partition
 * presence: a source partition the rollup lacks is filled from the source, a rollup partition whose
 * source partition is gone is dropped. This is how a store loaded before the rollups existed gains
 * them (the migrations run it), and it repairs a step that stopped between replacing a new partition
 * and its rollups. It reads only system.parts when nothing is missing; when it changed something it
 * records a data change (the API's result caches drop their answers).
 */
export async function fillMissingRollups(store: Store): Promise<RollupFill[]> {
  const filled: RollupFill[] = [];
  for (const [source, { rollups }] of Object.entries(ROLLUPS)) {
    const parts = await partitionsOf(store, [source, ...rollups.map((r) => r.table)]);
    const sourceParts = parts.get(source) ?? new Map<string, string>();
    for (const rollup of rollups) {
      const rollupParts = parts.get(rollup.table) ?? new Map<string, string>();
      const missing = [...sourceParts].filter(([id]) => !rollupParts.has(id));
      const orphaned = [...rollupParts].filter(([id]) => !sourceParts.has(id));
      for (const [id, partition] of byPartitionId([...missing, ...orphaned])) {
        filled.push(await refillPartition(store, source, rollup, id, partition));
      }
    }
  }
  // The answers a result cache holds may have read the rollups before: they are stale now.
  if (filled.length > 0) await recordDataChange(store);
  return filled;
}

/**
 * Rebuilds the rollups of `source` from it, every partition (or those whose `day` is within `days`):
 * `ctr rebuild` runs it for the purchases, which the Parquet sink does not hold (the views' rollups
 * are rebuilt with their partitions by the commit). The caller records the data change.
 */
export async function rebuildRollups(
  store: Store,
  source: string,
  days?: { from: string; to: string },
): Promise<RollupFill[]> {
  const rollups = rollupsOf(source);
  const parts = await partitionsOf(store, [source, ...rollups.map((r) => r.table)], days);
  const filled: RollupFill[] = [];
  for (const rollup of rollups) {
    const all = new Map([...(parts.get(rollup.table) ?? []), ...(parts.get(source) ?? [])]);
    for (const [id, partition] of byPartitionId(all)) {
      filled.push(await refillPartition(store, source, rollup, id, partition));
    }
  }
  return filled;
}
