import { mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import type { DuckDBInstance } from "@duckdb/node-api";

/** Settings of the native engine that bound its memory and CPU, whatever the input size. */
export interface EngineSettings {
  /** DuckDB `memory_limit` in MiB; beyond it DuckDB spills to `tempDir`. Default: ENGINE_MEMORY_LIMIT_MB (512). */
  memoryLimitMb: number;
  /**
   * The cores a shard may use: the files it converts side by side (processShard), or DuckDB's worker
   * threads for openEngine. Default: the number of cores divided by the shards running at once, at least 1.
   */
  threads: number;
  /** Where DuckDB spills and where downloaded and intermediate files go. */
  tempDir: string;
}

/**
 * DuckDB's allocator (its own jemalloc) as this package ships it hands freed pages back to the
 * kernel almost at once, so each file's statement page-faults its buffers in again, its JSON read
 * buffers above all (the kernel's copy into them faults page by page): on the sample's 32 files
 * that was ~40% more page faults and ~0.8 s more system time per `ctr backfill`
 * (docs/BENCHMARKS.md, "Decisions measured once"). A 5 s decay keeps freed pages for the next statement and still returns
 * them once the engine idles. jemalloc reads the variable when the library loads, so it is set before
 * the first load; a value the user set wins.
 */
function keepFreedEngineMemory(): void {
  process.env.DUCKDB_JE_MALLOC_CONF ??= "dirty_decay_ms:5000,muzzy_decay_ms:5000";
}

/**
 * Loads DuckDB's library (once per process; ~0.1–0.3 s, synchronous). Loaded when first used, not
 * when the package is imported: commands that read no events (help, serve until a backfill,
 * migrate) never load the engine. Required, not imported: the package is CommonJS, and an ESM import
 * first scans every one of its files for named exports (measured: 90 ms against 200 ms).
 */
export function loadEngine(): typeof import("@duckdb/node-api") {
  keepFreedEngineMemory();
  return createRequire(import.meta.url)("@duckdb/node-api") as typeof import("@duckdb/node-api");
}

/**
 * Opens a private in-memory DuckDB for one shard. One instance per shard keeps shards apart
 * (their temp tables, their memory budget) and is cheap to create (~1 ms).
 */
export async function openEngine(settings: EngineSettings): Promise<DuckDBInstance> {
  await mkdir(settings.tempDir, { recursive: true });
  const { DuckDBInstance } = loadEngine();
  return DuckDBInstance.create(":memory:", {
    memory_limit: `${settings.memoryLimitMb}MB`,
    threads: String(settings.threads),
    temp_directory: settings.tempDir,
    // Keeps rows in file order, so re-running a file writes the same Parquet.
    preserve_insertion_order: "true",
  });
}
