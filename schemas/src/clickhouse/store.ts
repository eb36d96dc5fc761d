import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { type ClickHouseClient, type ClickHouseSettings, createClient } from "@clickhouse/client";
import type * as ChdbConnection from "chdb/connection";
import type { Config } from "../config.ts";
import { createDatabaseStatement } from "./cluster_ddl.ts";
import { checkStoreFree } from "./store_lock.ts";

/**
 * Output settings every query relies on: 64-bit integers quoted in JSON so they survive
 * JS numbers, and Decimals with their trailing zeros so CTR renders as `0.0150`.
 */
export const OUTPUT_SETTINGS: ClickHouseSettings = {
  output_format_json_quote_64bit_integers: 1,
  output_format_decimal_trailing_zeros: 1,
  date_time_output_format: "simple",
};

// chdb/connection is typed against the deprecated @clickhouse/client-common, which the client no
// longer bundles; the shapes are the same, the declarations are not.
type ClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>["connection"]>;

export interface Store {
  client: ClickHouseClient;
  /** `embedded` is chDB in this process (one process per data directory); `server` is HTTP. */
  kind: Config["clickhouse"]["kind"];
  /** The database the engine's tables live in. */
  database: string;
  /** The cluster the tables are replicated on (CLICKHOUSE_CLUSTER); unset on one server and embedded. */
  cluster?: string;
  /** Creates the database when it is missing (a server only; chDB always has `default`). */
  ensureDatabase(): Promise<void>;
  close(): Promise<void>;
}

/**
 * chDB's session on `dir`. The 540 MB engine is loaded here, on first use, not when this module is
 * imported: commands that never open the embedded store (help, generate, a ClickHouse server) never
 * load it. `require` because opening a session is synchronous.
 */
function openChdb(dir: string): ReturnType<typeof ChdbConnection.createChdbConnection> {
  const { createChdbConnection } = createRequire(import.meta.url)("chdb/connection") as typeof ChdbConnection;
  try {
    return createChdbConnection({ path: dir });
  } catch (error) {
    // Another process may have opened the store between the check and here.
    checkStoreFree(dir);
    throw error;
  }
}

/**
 * Opens the ClickHouse the configuration names: a server over HTTP, or chDB embedded under the
 * data directory. Both are driven through @clickhouse/client, so the SQL is one code path.
 * chDB binds one data directory per process: open the embedded store in one process only.
 */
export function openStore(clickhouse: Config["clickhouse"]): Store {
  if (clickhouse.kind === "server") {
    const client = createClient({
      url: clickhouse.url,
      username: clickhouse.username,
      password: clickhouse.password,
      database: clickhouse.database,
      clickhouse_settings: OUTPUT_SETTINGS,
      // gzip both ways: per-minute rows compress ~10x; zstd would need Node >= 22.15.
      compression: { request: true, response: true },
      keep_alive: { enabled: true, idle_socket_ttl: 2_500 },
      request_timeout: 120_000,
    });
    const ensureDatabase = async () => {
      // The main client is bound to the database, which may not exist yet; `default` always does.
      const admin = createClient({ url: clickhouse.url, username: clickhouse.username, password: clickhouse.password });
      try {
        await admin.command({ query: createDatabaseStatement(clickhouse.database, clickhouse.cluster) });
      } finally {
        await admin.close();
      }
    };
    return {
      client,
      kind: "server",
      database: clickhouse.database,
      ...(clickhouse.cluster ? { cluster: clickhouse.cluster } : {}),
      ensureDatabase,
      close: () => client.close(),
    };
  }
  mkdirSync(clickhouse.path, { recursive: true });
  checkStoreFree(clickhouse.path);
  // chDB ignores the client's `database`: its tables live in `default`.
  const client = createClient({
    connection: openChdb(clickhouse.path) as unknown as ClientConnection,
    clickhouse_settings: OUTPUT_SETTINGS,
  });
  return {
    client,
    kind: "embedded",
    database: "default",
    ensureDatabase: async () => {},
    close: () => client.close(),
  };
}
