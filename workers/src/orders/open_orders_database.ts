import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type Database from "better-sqlite3";
import { Kysely, type Dialect as KyselyDialect, MysqlDialect, PostgresDialect, SqliteDialect, sql } from "kysely";
import { type Dialect, type OrdersDatabase, OrdersDatabaseError, type OrdersTables, redactUrl } from "./database.ts";

/** Connections per pool: a load writes one batch at a time, a sync streams one query. */
const POOL_SIZE = 2;

/**
 * How long SQLite waits for another process's write lock (a concurrent load) before failing. A
 * batch holds it for well under a second; better-sqlite3's default is 5 s.
 */
const SQLITE_BUSY_TIMEOUT_MS = 120_000;

/** The SQLite file a `sqlite:///abs/path` or `file:///abs/path` URL names. */
function sqliteFile(url: URL): string {
  if (url.protocol === "file:") return fileURLToPath(url);
  // sqlite:///abs/path has an empty host; decode %20 and friends like a file URL would.
  return decodeURIComponent(url.pathname);
}

/**
 * SQLite through better-sqlite3. Dates are TEXT `YYYY-MM-DD HH:MM:SS`, which sorts and compares like
 * the time it spells. WAL + NORMAL: a crash may lose the last transaction, never corrupt the file;
 * loads are re-runnable.
 */
async function sqliteDialect(file: string): Promise<KyselyDialect> {
  // Each driver is loaded when its URL is opened: a process on SQLite never loads mysql2 or pg.
  const { default: SqliteDatabase } = await import("better-sqlite3");
  let database: Database.Database;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    database = new SqliteDatabase(file, { timeout: SQLITE_BUSY_TIMEOUT_MS });
    // Integers come back as BigInt: ids beyond 2^53 stay exact.
    database.defaultSafeIntegers(true);
    database.pragma("journal_mode = WAL");
    database.pragma("synchronous = NORMAL");
  } catch (cause) {
    throw new OrdersDatabaseError(`cannot open the SQLite orders database ${file}: ${(cause as Error).message}`, {
      cause,
    });
  }
  // Kysely prepares every statement it runs, and preparing a batch's INSERT is not free for SQLite
  // (docs/BENCHMARKS.md), so statements that write are kept (a few shapes per load). Reading statements are not:
  // one that is being iterated cannot run again until its loop ends.
  const writers = new Map<string, Database.Statement>();
  const connection = database;
  return new SqliteDialect({
    database: {
      close: () => connection.close(),
      prepare(text: string) {
        const kept = writers.get(text);
        if (kept) return kept;
        const statement = connection.prepare(text);
        if (!statement.reader) writers.set(text, statement);
        return statement;
      },
    },
  });
}

/**
 * MySQL or MariaDB through mysql2. `dateStrings` keeps DATETIME values as the text they are, so the
 * driver never shifts them by the process's time zone; BIGINT comes back as digit strings. Without
 * FOUND_ROWS an upsert's affected rows count only the rows it changed, which is how a load tells
 * what it wrote (write_batch.ts).
 */
async function mysqlDialect(url: URL): Promise<KyselyDialect> {
  const { default: mysql } = await import("mysql2");
  const uri = new URL(url);
  uri.protocol = "mysql:";
  const pool = mysql.createPool({
    uri: uri.toString(),
    dateStrings: true,
    timezone: "Z",
    supportBigNumbers: true,
    bigNumberStrings: true,
    flags: ["-FOUND_ROWS"],
    connectionLimit: POOL_SIZE,
  });
  return new MysqlDialect({ pool });
}

/**
 * PostgreSQL through pg, streaming through pg-cursor. TIMESTAMP (without time zone) values come
 * back as their text: pg would otherwise read them in the process's local zone.
 */
async function postgresDialect(url: URL): Promise<KyselyDialect> {
  const { default: pg } = await import("pg");
  const { default: Cursor } = await import("pg-cursor");
  const pool = new pg.Pool({
    connectionString: url.toString(),
    max: POOL_SIZE,
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        oid === pg.types.builtins.TIMESTAMP
          ? (text: string) => text
          : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
    },
  });
  // An idle connection the server drops is reported here; the next query fails on its own.
  pool.on("error", () => undefined);
  return new PostgresDialect({ pool, cursor: Cursor });
}

/**
 * What to do when the server is there but the database ORDERS_DATABASE_URL names is not (PostgreSQL
 * 3D000, MySQL/MariaDB ER_BAD_DB_ERROR): the engine creates its tables, never the database, which
 * needs rights an application account rarely has. Undefined for any other failure.
 */
function missingDatabaseHint(dialect: Dialect, url: URL, cause: unknown): string | undefined {
  const code = (cause as { code?: unknown }).code;
  const name = decodeURIComponent(url.pathname.replace(/^\//, ""));
  const user = decodeURIComponent(url.username) || (dialect === "postgres" ? "postgres" : "root");
  if (dialect === "postgres" && code === "3D000") {
    return (
      `Create the database ORDERS_DATABASE_URL names first (the tables are created by ctr): ` +
      `psql -h ${url.hostname} -p ${url.port || "5432"} -U ${user} -d postgres -c 'CREATE DATABASE "${name}"'`
    );
  }
  if (dialect === "mysql" && code === "ER_BAD_DB_ERROR") {
    return (
      `Create the database ORDERS_DATABASE_URL names first (the tables are created by ctr): ` +
      `mariadb -h ${url.hostname} -P ${url.port || "3306"} -u ${user}${url.password ? " -p" : ""} -e 'CREATE DATABASE \`${name}\`'`
    );
  }
  return undefined;
}

/**
 * Opens the orders database an `ORDERS_DATABASE_URL` names: `sqlite:///path` (or `file:`),
 * `mysql://` or `mariadb://` (mysql2), `postgres://` or `postgresql://` (pg).
 * Throws OrdersDatabaseError naming the database when it cannot be reached.
 */
export async function openOrdersDatabase(url: string): Promise<OrdersDatabase> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new OrdersDatabaseError(`not a database URL: ${redactUrl(url)}`);
  }
  let dialect: Dialect;
  let driver: KyselyDialect;
  let label = redactUrl(url);
  switch (parsed.protocol) {
    case "sqlite:":
    case "file:": {
      const file = sqliteFile(parsed);
      dialect = "sqlite";
      driver = await sqliteDialect(file);
      label = `sqlite://${file}`;
      break;
    }
    case "mysql:":
    case "mariadb:":
      dialect = "mysql";
      driver = await mysqlDialect(parsed);
      break;
    case "postgres:":
    case "postgresql:":
      dialect = "postgres";
      driver = await postgresDialect(parsed);
      break;
    default:
      throw new OrdersDatabaseError(`unsupported orders database ${redactUrl(url)}: wants sqlite:, mysql:, postgres:`);
  }
  const kysely = new Kysely<OrdersTables>({ dialect: driver });
  try {
    // The pools connect lazily: reach the server now, so a wrong URL fails here, naming it.
    await sql`SELECT 1`.execute(kysely);
  } catch (cause) {
    await kysely.destroy().catch(() => undefined);
    const missing = missingDatabaseHint(dialect, parsed, cause);
    throw new OrdersDatabaseError(
      `cannot reach the orders database ${label}: ${(cause as Error).message}${missing ? `. ${missing}` : ""}`,
      { cause },
    );
  }
  return { kysely, dialect, label, close: () => kysely.destroy() };
}
