import type { ClickHouseClient } from "@clickhouse/client";
import { z } from "zod";
import { queryRows, runCommand } from "../query.ts";
import type { Store } from "../store.ts";

/** One row per change of the data /ctr reads; the generation is the sum of `changes` (migration 0005). */
export const DATA_GENERATIONS_TABLE = "data_generations_v1";

/** The generation arrives quoted (UInt64) and is read as a number: one per commit stays far below 2^53. */
export const DataGenerationSchema = z.object({ generation: z.coerce.number().int().nonnegative() });

/**
 * The data's generation as ClickHouse holds it: the changes recorded so far by every process. It
 * only grows. An empty table (a store migrated before anything was loaded) is generation 0.
 */
export async function getDataGeneration(client: ClickHouseClient): Promise<number> {
  const [row] = await queryRows(client, {
    name: "get_data_generation",
    query: `SELECT sum(changes) AS generation FROM ${DATA_GENERATIONS_TABLE}`,
    schema: DataGenerationSchema,
  });
  return row?.generation ?? 0;
}

/**
 * Records that the data /ctr reads changed: in ClickHouse, for every process, and in this process
 * (`store.changes`, which the API's cache in the same process looks at on every request). The local
 * count goes up after the stored one, so that the next read sees both, and also when ClickHouse
 * could not record it: this process's caches drop their entries all the same.
 */
export async function recordDataChange(store: Store): Promise<void> {
  try {
    await runCommand(store.client, {
      name: "record_data_change",
      query: `INSERT INTO ${DATA_GENERATIONS_TABLE} (changes, changed_at, change_id) SELECT 1, now64(3), generateUUIDv4()`,
    });
  } finally {
    store.changes.local += 1;
  }
}

/**
 * Runs a change of the data /ctr reads (partition replacements) and records it afterwards, also
 * when it failed part way: a partition may have been replaced before the failure, and a change
 * recorded for nothing only costs the caches their entries.
 */
export async function recordingDataChange<T>(store: Store, change: () => Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await change();
  } catch (error) {
    // The change's own error is the one to report; the record is best effort then.
    await recordDataChange(store).catch(() => undefined);
    throw error;
  }
  await recordDataChange(store);
  return result;
}
