import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { createClient } from "@clickhouse/client";
import {
  type Config,
  createDatabaseStatement,
  createLogger,
  isUnreachableError,
  type Logger,
  migrate,
  OUTPUT_SETTINGS,
  type Store,
} from "@ctr/schemas";
import type * as ChdbConnection from "chdb/connection";
import { clickhouseLogOptions } from "./clickhouse_logger.ts";
import { removeEmptyDefinitions, reportingDiskFull } from "./disk_full.ts";
import { outdatedPartPaths, removeDroppedTables, removeOutdatedParts } from "./leftover_parts.ts";
import { processLock, redisLock } from "./partition_lock.ts";
import { checkStoreFree } from "./store_lock.ts";

// chdb/connection is typed against the deprecated @clickhouse/client-common, which the client no
// longer bundles; the shapes are the same, the declarations are not.
type ClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>["connection"]>;

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

/** ClickHouse's error types for a login it refuses. */
const LOGIN_REFUSED = new Set(["AUTHENTICATION_FAILED", "WRONG_PASSWORD", "UNKNOWN_USER", "REQUIRED_PASSWORD"]);

/**
 * The first request to a ClickHouse server (creating the database) fails naming the settings to fix:
 * CLICKHOUSE_URL when the server cannot be reached, CLICKHOUSE_USER and CLICKHOUSE_PASSWORD when it
 * refuses the login; the client's own error names neither the setting nor, for a refusal, the server.
 */
function namingTheSettings(clickhouse: { url: string; username?: string }, error: unknown): Error {
  if (!(error instanceof Error)) return new Error(String(error));
  const host = new URL(clickhouse.url).host;
  const unreachable = isUnreachableError(error) || (error.cause instanceof Error && isUnreachableError(error.cause));
  const type = (error as { type?: unknown }).type;
  const message = unreachable
    ? `cannot reach ClickHouse at ${host} (CLICKHOUSE_URL): ${error.message}`
    : typeof type === "string" && LOGIN_REFUSED.has(type)
      ? `ClickHouse at ${host} refused the login of user ${JSON.stringify(clickhouse.username ?? "default")} (CLICKHOUSE_USER, CLICKHOUSE_PASSWORD): ${error.message}`
      : `ClickHouse at ${host} (CLICKHOUSE_URL) refused to create the database: ${error.message}`;
  return new Error(message, { cause: error });
}

/**
 * Opens the ClickHouse the configuration names: a server over HTTP, or chDB embedded under the
 * data directory. Both are driven through @clickhouse/client, so the SQL is one code path.
 * chDB binds one data directory per process: open the embedded store in one process only.
 * The client's own log lines go to `logger` (default: the process's pino logger at info).
 */
export function openStore(
  clickhouse: Config["clickhouse"],
  logger: Logger = createLogger(),
  { redisUrl }: { redisUrl?: string } = {},
): Store {
  const log = clickhouseLogOptions(logger);
  if (clickhouse.kind === "server") {
    // Workers of the queue may write one month of a server at once: they take turns through Redis.
    const lock = redisUrl ? redisLock(redisUrl, `${clickhouse.url}/${clickhouse.database}`) : processLock();
    const client = createClient({
      log,
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
      const admin = createClient({
        url: clickhouse.url,
        username: clickhouse.username,
        password: clickhouse.password,
        log,
      });
      try {
        await admin.command({ query: createDatabaseStatement(clickhouse.database, clickhouse.cluster) });
      } catch (error) {
        throw namingTheSettings(clickhouse, error);
      } finally {
        await admin.close();
      }
    };
    return {
      client,
      kind: "server",
      database: clickhouse.database,
      ...(clickhouse.cluster ? { cluster: clickhouse.cluster } : {}),
      changes: { local: 0 },
      exclusive: (key, body) => lock.run(key, body),
      ensureDatabase,
      close: async () => {
        await lock.close();
        await client.close();
      },
    };
  }
  mkdirSync(clickhouse.path, { recursive: true });
  checkStoreFree(clickhouse.path);
  removeDroppedTables(clickhouse.path);
  removeEmptyDefinitions(clickhouse.path);
  // chDB ignores the client's `database`: its tables live in `default`.
  const client = reportingDiskFull(
    createClient({
      log,
      connection: openChdb(clickhouse.path) as unknown as ClientConnection,
      clickhouse_settings: OUTPUT_SETTINGS,
    }),
    clickhouse.path,
  );
  const lock = processLock();
  const store: Store = {
    client,
    kind: "embedded",
    database: "default",
    changes: { local: 0 },
    exclusive: (key, body) => lock.run(key, body),
    ensureDatabase: async () => {},
    async close() {
      // What this process's replacements made outdated goes with it, not at the next start.
      const outdated = await outdatedPartPaths(store).catch(() => []);
      await client.close();
      removeOutdatedParts(outdated);
    },
  };
  return store;
}

/**
 * Runs `body` on the configuration's ClickHouse, migrated: `store` when given (left open), else one
 * opened here and closed after.
 */
export async function withStore<T>(
  config: Config,
  store: Store | undefined,
  body: (store: Store) => Promise<T>,
): Promise<T> {
  const opened = store ?? openStore(config.clickhouse, createLogger({ level: config.logLevel }), config);
  try {
    await migrate(opened);
    return await body(opened);
  } finally {
    if (!store) await opened.close();
  }
}
