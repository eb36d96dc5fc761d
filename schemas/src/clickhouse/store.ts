import type { ClickHouseClient, ClickHouseSettings } from "@clickhouse/client";
import type { Config } from "../runtime/config.ts";

/**
 * Output settings every query relies on: 64-bit integers quoted in JSON so they survive
 * JS numbers, and Decimals with their trailing zeros so CTR renders as `0.0150`.
 */
export const OUTPUT_SETTINGS: ClickHouseSettings = {
  output_format_json_quote_64bit_integers: 1,
  output_format_decimal_trailing_zeros: 1,
  date_time_output_format: "simple",
};

/**
 * An open ClickHouse: what the table modules, migrations and the API are handed. `openStore`
 * (@ctr/workers) opens one; the composition root (the CLI) decides when.
 */
export interface Store {
  client: ClickHouseClient;
  /** `embedded` is chDB in this process (one process per data directory); `server` is HTTP. */
  kind: Config["clickhouse"]["kind"];
  /** The database the engine's tables live in. */
  database: string;
  /** The cluster the tables are replicated on (CLICKHOUSE_CLUSTER); unset on one server and embedded. */
  cluster?: string;
  /**
   * The changes of the data /ctr reads that this process made through the store (commits, purchase
   * syncs; recordDataChange counts them here as they finish): the API's result cache in the same
   * process keys its entries by this too, so a change made here shows in the very next answer.
   */
  readonly changes: { local: number };
  /**
   * Runs `body` while no other writer of this store runs a body under the same `key` (a table's
   * partition: replacePartition rewrites a month from what it holds, so two writers of one month
   * must take turns). Embedded: one process owns the store, so a lock in the process. A server: the
   * same, and across processes through Redis when REDIS_URL is set (the queue's workers).
   */
  exclusive<T>(key: string, body: () => Promise<T>): Promise<T>;
  /** Creates the database when it is missing (a server only; chDB always has `default`). */
  ensureDatabase(): Promise<void>;
  close(): Promise<void>;
}
