import pg from "pg";
import {
  type ColumnType,
  type OrdersDatabase,
  OrdersDatabaseError,
  onConflictUpdate,
  redactUrl,
  type SqlRow,
  type SqlValue,
} from "./database.ts";

/** Rows fetched per round trip when streaming through a cursor. */
const CURSOR_BATCH = 1_000;

/** The array type each column travels in through unnest. */
const ARRAY_TYPES: Record<ColumnType, string> = {
  bigint: "bigint[]",
  integer: "integer[]",
  datetime: "timestamp[]",
  decimal: "numeric[]",
  text: "text[]",
};

/** `?` placeholders to PostgreSQL's `$1, $2, ...`. Our SQL never holds a `?` inside a literal. */
function numberPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/**
 * PostgreSQL through pg, on one connection. TIMESTAMP (without time zone) values come back as
 * their text: pg would otherwise read them in the process's local zone.
 */
export async function openPostgresDatabase(url: string): Promise<OrdersDatabase> {
  const client = new pg.Client({
    connectionString: url,
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        oid === pg.types.builtins.TIMESTAMP
          ? (text: string) => text
          : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
    },
  });
  try {
    await client.connect();
  } catch (cause) {
    throw new OrdersDatabaseError(`cannot reach the orders database ${redactUrl(url)}: ${(cause as Error).message}`, {
      cause,
    });
  }
  let inTransaction = false;
  let cursors = 0;
  const query = <Row extends SqlRow>(sql: string, params: readonly SqlValue[]) =>
    client.query<Row>(numberPlaceholders(sql), params as SqlValue[]);
  return {
    dialect: "postgres",
    label: redactUrl(url),
    types: { dateTime: "TIMESTAMP WITHOUT TIME ZONE", money: "NUMERIC(14,2)", id: "BIGINT" },
    async run(sql, params: readonly SqlValue[] = []) {
      await query(sql, params);
    },
    async all<Row extends SqlRow>(sql: string, params: readonly SqlValue[] = []) {
      return (await query<Row>(sql, params)).rows;
    },
    async *stream<Row extends SqlRow>(sql: string, params: readonly SqlValue[] = []) {
      // A server-side cursor lives in a transaction; reuse the caller's when there is one.
      const cursor = `ctr_cursor_${++cursors}`;
      const own = !inTransaction;
      if (own) await client.query("BEGIN");
      let finished = false;
      try {
        await query(`DECLARE ${cursor} NO SCROLL CURSOR FOR ${sql}`, params);
        for (;;) {
          const { rows } = await client.query<Row>(`FETCH ${CURSOR_BATCH} FROM ${cursor}`);
          yield* rows;
          if (rows.length < CURSOR_BATCH) break;
        }
        finished = true;
      } finally {
        // Also runs when the reader stops early: the cursor and our transaction must not linger.
        if (own) await client.query(finished ? "COMMIT" : "ROLLBACK");
        else await client.query(`CLOSE ${cursor}`).catch(() => undefined);
      }
    },
    async transaction(work) {
      await client.query("BEGIN");
      inTransaction = true;
      try {
        const result = await work();
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK");
        throw error;
      } finally {
        inTransaction = false;
      }
    },
    async upsert(table, columns, key, rows) {
      // One array per column through unnest: a statement of a few parameters plans in no time,
      // where a VALUES list of thousands of parameters costs PostgreSQL more than the insert.
      const arrays = columns.map((_, i) => rows.map((row) => row[i] ?? null));
      const unnest = columns.map((c) => `?::${ARRAY_TYPES[c.type]}`).join(", ");
      const names = columns.map((c) => c.name).join(", ");
      await client.query(
        numberPlaceholders(
          `INSERT INTO ${table} (${names}) SELECT * FROM unnest(${unnest}) ${onConflictUpdate(columns, key)}`,
        ),
        arrays,
      );
    },
    async allByIds<Row extends SqlRow>(select: string, column: string, ids: readonly number[]) {
      return (await client.query<Row>(`${select} WHERE ${column} = ANY($1::bigint[])`, [ids])).rows;
    },
    minuteOf: (column) => `to_char(${column}, 'YYYY-MM-DD HH24:MI')`,
    close: () => client.end(),
  };
}
