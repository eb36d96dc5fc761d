import mysql from "mysql2";
import {
  insertValuesSql,
  listPlaceholders,
  type OrdersDatabase,
  OrdersDatabaseError,
  redactUrl,
  type SqlRow,
  type SqlValue,
} from "./database.ts";

/**
 * MySQL or MariaDB through mysql2, on one connection. `dateStrings` keeps DATETIME values as the
 * text they are, so the driver never shifts them by the process's time zone.
 */
export async function openMysqlDatabase(url: string): Promise<OrdersDatabase> {
  const parsed = new URL(url);
  parsed.protocol = "mysql:";
  // The callback connection streams; its promise wrapper serves everything else.
  const core = mysql.createConnection({ uri: parsed.toString(), dateStrings: true, timezone: "Z" });
  const connection = core.promise();
  try {
    await connection.connect();
  } catch (cause) {
    throw new OrdersDatabaseError(`cannot reach the orders database ${redactUrl(url)}: ${(cause as Error).message}`, {
      cause,
    });
  }
  return {
    dialect: "mysql",
    label: redactUrl(url),
    types: { dateTime: "DATETIME", money: "DECIMAL(14,2)", id: "BIGINT" },
    async run(sql, params: readonly SqlValue[] = []) {
      await connection.query(sql, [...params]);
    },
    async all<Row extends SqlRow>(sql: string, params: readonly SqlValue[] = []) {
      const [rows] = await connection.query(sql, [...params]);
      return rows as Row[];
    },
    async *stream<Row extends SqlRow>(sql: string, params: readonly SqlValue[] = []) {
      const rows = core.query(sql, [...params]).stream({ objectMode: true, highWaterMark: 1_000 });
      let finished = false;
      try {
        for await (const row of rows) yield row as Row;
        finished = true;
      } finally {
        // A reader that stops early destroys the stream, which may have paused the connection:
        // resume it so the rest of the result drains (dropped) and the connection serves again.
        if (!finished) core.resume();
      }
    },
    async transaction(work) {
      await connection.beginTransaction();
      try {
        const result = await work();
        await connection.commit();
        return result;
      } catch (error) {
        await connection.rollback();
        throw error;
      }
    },
    async upsert(table, columns, key, rows) {
      // VALUES(c) rather than the MySQL 8 row alias: MariaDB only knows VALUES(c).
      const updates = columns.filter((c) => c.name !== key).map((c) => `${c.name} = VALUES(${c.name})`);
      await connection.query(
        `${insertValuesSql(table, columns, rows.length)} ON DUPLICATE KEY UPDATE ${updates.join(", ")}`,
        rows.flat(),
      );
    },
    async allByIds<Row extends SqlRow>(select: string, column: string, ids: readonly number[]) {
      const [rows] = await connection.query(`${select} WHERE ${column} IN (${listPlaceholders(ids.length)})`, [...ids]);
      return rows as Row[];
    },
    minuteOf: (column) => `DATE_FORMAT(${column}, '%Y-%m-%d %H:%i')`,
    close: () => connection.end(),
  };
}
