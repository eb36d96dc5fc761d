import { fileURLToPath } from "node:url";
import { type OrdersDatabase, OrdersDatabaseError, redactUrl } from "./database.ts";
import { openMysqlDatabase } from "./mysql_database.ts";
import { openPostgresDatabase } from "./postgres_database.ts";
import { openSqliteDatabase } from "./sqlite_database.ts";

/** The SQLite file a `sqlite:///abs/path` or `file:///abs/path` URL names. */
function sqliteFile(url: string): string {
  const parsed = new URL(url);
  if (parsed.protocol === "file:") return fileURLToPath(parsed);
  // sqlite:///abs/path has an empty host; decode %20 and friends like a file URL would.
  return decodeURIComponent(parsed.pathname);
}

/**
 * Opens the orders database an `ORDERS_DATABASE_URL` names: `sqlite:///path` (or `file:`),
 * `mysql://` or `mariadb://` (mysql2), `postgres://` or `postgresql://` (pg).
 * Throws OrdersDatabaseError naming the database when it cannot be reached.
 */
export async function openOrdersDatabase(url: string): Promise<OrdersDatabase> {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new OrdersDatabaseError(`not a database URL: ${redactUrl(url)}`);
  }
  switch (protocol) {
    case "sqlite:":
    case "file:":
      return openSqliteDatabase(sqliteFile(url));
    case "mysql:":
    case "mariadb:":
      return openMysqlDatabase(url);
    case "postgres:":
    case "postgresql:":
      return openPostgresDatabase(url);
    default:
      throw new OrdersDatabaseError(`unsupported orders database ${redactUrl(url)}: wants sqlite:, mysql:, postgres:`);
  }
}
