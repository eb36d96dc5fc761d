// Run in a child of its own (chDB binds one data directory per process): the active parts of an
// embedded store and the bytes they hold, as JSON on stdout. Argument: CTR_DATA_DIR.
import { loadConfig, queryRows } from "@ctr/schemas";
import { openStore } from "@ctr/workers";
import { z } from "zod";

const store = openStore(loadConfig({ CTR_DATA_DIR: process.argv[2] ?? "" }).clickhouse);
try {
  const [row] = await queryRows(store.client, {
    name: "bench.store_stats",
    query: `SELECT countIf(active) AS activeParts, uniqExactIf((table, partition_id), active) AS partitions,
              sumIf(bytes_on_disk, active) AS activeBytes, sumIf(rows, active) AS rows, countIf(NOT active) AS outdatedParts
            FROM system.parts WHERE database = currentDatabase()`,
    schema: z.object({
      activeParts: z.coerce.number(),
      partitions: z.coerce.number(),
      activeBytes: z.coerce.number(),
      rows: z.coerce.number(),
      outdatedParts: z.coerce.number(),
    }),
  });
  process.stdout.write(`${JSON.stringify(row)}\n`);
} finally {
  await store.close();
}
