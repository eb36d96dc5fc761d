import { mkdirSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import {
  insertValuesSql,
  listPlaceholders,
  type OrdersDatabase,
  OrdersDatabaseError,
  onConflictUpdate,
  type SqlRow,
  type SqlValue,
} from "./database.ts";

/**
 * SQLite through better-sqlite3 (synchronous; wrapped in promises to fit the interface).
 * Dates are TEXT `YYYY-MM-DD HH:MM:SS`, which sorts and compares like the time it spells.
 */
export function openSqliteDatabase(file: string): OrdersDatabase {
  let db: Database.Database;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    db = new Database(file);
  } catch (cause) {
    throw new OrdersDatabaseError(`cannot open the SQLite orders database ${file}: ${(cause as Error).message}`, {
      cause,
    });
  }
  // WAL + NORMAL: a crash may lose the last transaction, never corrupt the file; loads are re-runnable.
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  const statements = new Map<string, Database.Statement>();
  const prepare = (sql: string) => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
  return {
    dialect: "sqlite",
    label: `sqlite://${file}`,
    types: { dateTime: "TEXT", money: "NUMERIC", id: "INTEGER" },
    async run(sql, params: readonly SqlValue[] = []) {
      if (params.length === 0 && !sql.includes("?")) db.exec(sql);
      else prepare(sql).run(...params);
    },
    async all<Row extends SqlRow>(sql: string, params: readonly SqlValue[] = []) {
      return prepare(sql).all(...params) as Row[];
    },
    async *stream<Row extends SqlRow>(sql: string, params: readonly SqlValue[] = []) {
      // A fresh statement: an iterating statement is busy until the loop ends.
      yield* db.prepare(sql).iterate(...params) as IterableIterator<Row>;
    },
    async transaction(work) {
      db.exec("BEGIN");
      try {
        const result = await work();
        db.exec("COMMIT");
        return result;
      } catch (error) {
        db.exec("ROLLBACK");
        throw error;
      }
    },
    async upsert(table, columns, key, rows) {
      prepare(`${insertValuesSql(table, columns, rows.length)} ${onConflictUpdate(columns, key)}`).run(...rows.flat());
    },
    async allByIds<Row extends SqlRow>(select: string, column: string, ids: readonly number[]) {
      return prepare(`${select} WHERE ${column} IN (${listPlaceholders(ids.length)})`).all(...ids) as Row[];
    },
    minuteOf: (column) => `substr(${column}, 1, 16)`,
    async close() {
      db.close();
    },
  };
}
