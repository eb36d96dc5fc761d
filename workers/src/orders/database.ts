import { type Expression, type Kysely, type RawBuilder, type SqlBool, sql, type Transaction } from "kysely";

/** The SQL dialects the orders database can speak. */
export type Dialect = "sqlite" | "mysql" | "postgres";

/** A value as the loader binds it: ids as BigInt, which every driver binds as an exact integer. */
export type SqlValue = string | number | bigint | null;

/** A column's SQL type, for PostgreSQL's typed arrays. */
export type ColumnType = "bigint" | "integer" | "datetime" | "decimal" | "text";

/**
 * An id column (BIGINT): bound as a BigInt; read back as a digit string (pg, mysql2 with
 * bigNumberStrings) or a BigInt (better-sqlite3 with safe integers). `String(id)` is its digits either
 * way; it never passes through a JS number, which would round it beyond 2^53.
 */
export type Id = string | bigint;

/**
 * The orders tables as Kysely sees them. Dates travel as `YYYY-MM-DD HH:MM:SS` strings in both
 * directions, whatever the column type, so no driver applies the process's time zone to them; the
 * drivers return DECIMAL as numbers or strings.
 */
export interface OrdersTable {
  id: Id;
  user_id: Id;
  order_date: string;
  order_subtotal: string | number | null;
  order_discount: string | number | null;
  order_total: string | number | null;
  order_status: string | null;
  payment_type: string | null;
  shipping_cost: string | number | null;
  shipping_service: string | null;
  address_city: string | null;
  address_state: string | null;
  utm_source_medium: string | null;
  device_type: string;
}

export interface OrderItemsTable {
  id: Id;
  order_id: Id;
  sku: string | null;
  quantity: number;
  code_color: string;
}

export interface OrdersTables {
  orders: OrdersTable;
  order_items: OrderItemsTable;
}

/**
 * The open orders database: SQLite, MySQL/MariaDB or PostgreSQL behind one Kysely instance. What
 * differs between them beyond Kysely's dialects (the minute of a date, an id list, the upsert) is
 * in the few helpers below and in write_batch.ts.
 */
export interface OrdersDatabase {
  readonly kysely: Kysely<OrdersTables>;
  readonly dialect: Dialect;
  /** Where the database is, without credentials, for messages. */
  readonly label: string;
  close(): Promise<void>;
}

/** Raised when the orders database cannot be opened or reached; names it. */
export class OrdersDatabaseError extends Error {
  constructor(message: string, options?: { cause: unknown }) {
    super(message, options);
    this.name = "OrdersDatabaseError";
  }
}

/** Hides the password of a database URL for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return url;
  }
}

/** The `YYYY-MM-DD HH:MM` text of a date column, for grouping by minute. */
export function minuteOf(dialect: Dialect, column: Expression<string>): RawBuilder<string> {
  switch (dialect) {
    case "sqlite":
      return sql<string>`substr(${column}, 1, 16)`;
    case "mysql":
      return sql<string>`DATE_FORMAT(${column}, '%Y-%m-%d %H:%i')`;
    case "postgres":
      return sql<string>`to_char(${column}, 'YYYY-MM-DD HH24:MI')`;
  }
}

/**
 * `column IN (ids)`; on PostgreSQL `column = ANY($1::bigint[])`, one parameter that plans in no time
 * where thousands of them cost more than the lookup.
 */
export function idIn(dialect: Dialect, column: Expression<Id>, ids: readonly bigint[]): RawBuilder<SqlBool> {
  return dialect === "postgres"
    ? sql<SqlBool>`${column} = ANY(${[...ids]}::bigint[])`
    : sql<SqlBool>`${column} IN (${sql.join(ids)})`;
}

/**
 * Runs `work` in one transaction that writes: committed when it resolves, rolled back when it throws.
 * On SQLite it starts with BEGIN IMMEDIATE, taking the write lock up front (waiting for it under the
 * busy timeout): a plain BEGIN that reads first and writes later cannot wait for another process's
 * write, it fails at once with "database is locked" (its snapshot went stale).
 */
export async function inWriteTransaction<T>(
  database: OrdersDatabase,
  work: (db: Kysely<OrdersTables>) => Promise<T>,
): Promise<T> {
  if (database.dialect !== "sqlite") {
    return database.kysely.transaction().execute((trx: Transaction<OrdersTables>) => work(trx));
  }
  return database.kysely.connection().execute(async (db) => {
    await sql`BEGIN IMMEDIATE`.execute(db);
    try {
      const result = await work(db);
      await sql`COMMIT`.execute(db);
      return result;
    } catch (error) {
      // SQLite rolls a transaction back itself on some errors (a full disk, out of memory): then
      // ROLLBACK fails with "no transaction is active", and the error to report is the first one.
      await sql`ROLLBACK`.execute(db).catch(() => undefined);
      throw error;
    }
  });
}
