/** The SQL dialects the orders database can speak. */
export type Dialect = "sqlite" | "mysql" | "postgres";

/** A value bound to a `?` placeholder. */
export type SqlValue = string | number | null;

/** A column's SQL type, as the dialects spell it differently. */
export type ColumnType = "bigint" | "integer" | "datetime" | "decimal" | "text";

/** A column of an upsert: its name and type. */
export interface UpsertColumn {
  name: string;
  type: ColumnType;
}

/** A result row: column name to value (drivers return numbers, strings or null for our columns). */
export type SqlRow = Record<string, unknown>;

/**
 * The one small interface the orders code talks to; three implementations (SQLite, MySQL/MariaDB,
 * PostgreSQL) hide what differs between them. SQL is written with `?` placeholders; each
 * implementation binds the values its own way. Dates travel as `YYYY-MM-DD HH:MM:SS` strings in both
 * directions, whatever the column type, so no driver applies the process's time zone to them.
 */
export interface OrdersDatabase {
  readonly dialect: Dialect;
  /** Where the database is, without credentials, for messages. */
  readonly label: string;
  /** Runs a statement that returns no rows. */
  run(sql: string, params?: readonly SqlValue[]): Promise<void>;
  /** Runs a query with a small result. */
  all<Row extends SqlRow>(sql: string, params?: readonly SqlValue[]): Promise<Row[]>;
  /** Streams a query's rows without holding the result in memory. */
  stream<Row extends SqlRow>(sql: string, params?: readonly SqlValue[]): AsyncIterable<Row>;
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: () => Promise<T>): Promise<T>;
  /** Inserts `rows` (values in `columns` order) in one statement; a row whose `key` exists updates it. */
  upsert(table: string, columns: readonly UpsertColumn[], key: string, rows: readonly SqlValue[][]): Promise<void>;
  /** Runs `select` (a SELECT without WHERE) restricted to rows whose `column` is one of `ids`. */
  allByIds<Row extends SqlRow>(select: string, column: string, ids: readonly number[]): Promise<Row[]>;
  /** The `YYYY-MM-DD HH:MM` text of a date column, for grouping by minute. */
  minuteOf(column: string): string;
  /** Column types of the migrations. */
  readonly types: { dateTime: string; money: string; id: string };
  close(): Promise<void>;
}

/** Raised when the orders database cannot be opened or reached; names it. */
export class OrdersDatabaseError extends Error {
  constructor(message: string, options?: { cause: unknown }) {
    super(message, options);
    this.name = "OrdersDatabaseError";
  }
}

/** `(?, ?, ?), (?, ?, ?)` for a multi-row VALUES list. */
export function valuesPlaceholders(columnCount: number, rowCount: number): string {
  const row = `(${Array.from({ length: columnCount }, () => "?").join(", ")})`;
  return Array.from({ length: rowCount }, () => row).join(", ");
}

/** `?, ?, ?` for an IN list. */
export function listPlaceholders(count: number): string {
  return Array.from({ length: count }, () => "?").join(", ");
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

/** The standard upsert clause of SQLite (3.24+) and PostgreSQL: `ON CONFLICT (key) DO UPDATE SET c = excluded.c`. */
export function onConflictUpdate(columns: readonly UpsertColumn[], key: string): string {
  const updates = columns.filter((c) => c.name !== key).map((c) => `${c.name} = excluded.${c.name}`);
  return `ON CONFLICT (${key}) DO UPDATE SET ${updates.join(", ")}`;
}

/** `INSERT INTO table (columns) VALUES (?, ...), ...` for `rowCount` rows. */
export function insertValuesSql(table: string, columns: readonly UpsertColumn[], rowCount: number): string {
  return `INSERT INTO ${table} (${columns.map((c) => c.name).join(", ")}) VALUES ${valuesPlaceholders(columns.length, rowCount)}`;
}
