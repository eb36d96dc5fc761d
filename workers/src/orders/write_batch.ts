import { CompiledQuery, type InsertQueryBuilder, type InsertResult, type Kysely, sql } from "kysely";
import { COLUMN_TYPES, type ColumnKind } from "./csv_rows.ts";
import {
  type ColumnType,
  type Dialect,
  idIn,
  inWriteTransaction,
  type OrdersDatabase,
  type SqlValue,
} from "./database.ts";

/** A parsed CSV row waiting for its batch: its id (digits), line and values in column order. */
export interface PendingRow {
  id: string;
  line: number;
  values: SqlValue[];
}

/** The table a CSV goes to and how its columns are read, in the table's column order (id first). */
export interface TableSpec {
  table: "orders" | "order_items";
  kinds: Readonly<Record<string, ColumnKind>>;
}

/** What a batch did to the table, as the database counted it, and the rows it could not take. */
export interface BatchResult {
  loaded: number;
  updated: number;
  unchanged: number;
  rejected: { row: PendingRow; reason: string }[];
}

/**
 * The loader's view of a table: columns by name, values as parsed. The tables' own types
 * (OrdersTables) serve the typed queries; the loader handles both tables alike through their
 * column kinds.
 */
type LoaderTables = Record<string, Record<string, SqlValue>>;
type LoaderInsert = InsertQueryBuilder<LoaderTables, string, InsertResult>;

/** The array type each column travels in through unnest. */
const ARRAY_TYPES: Record<ColumnType, string> = {
  bigint: "bigint[]",
  integer: "integer[]",
  datetime: "timestamp[]",
  decimal: "numeric[]",
  text: "text[]",
};

/** Tries of a batch that lost a deadlock to a concurrent load (the database rolled it back whole). */
const DEADLOCK_TRIES = 5;

/** PostgreSQL's deadlock_detected, MySQL's ER_LOCK_DEADLOCK. */
function isDeadlock(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, errno } = error as { code?: unknown; errno?: unknown };
  return code === "40P01" || errno === 1213;
}

/**
 * Writes one batch in one transaction. Items of unknown orders are rejected; the rest are written
 * in two statements whose affected-row counts say what this load did, even while another load
 * writes the same rows: first the new ids (an existing id is left alone), then, when some ids
 * existed, every row again, changing only those whose values differ. A concurrent writer of the
 * same id makes the database wait for it, so each row counts once as loaded across the loads and
 * as unchanged for the others.
 */
export async function writeBatch(
  database: OrdersDatabase,
  spec: TableSpec,
  rows: readonly PendingRow[],
): Promise<BatchResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await inWriteTransaction(database, (db) =>
        writeRows(db as unknown as Kysely<LoaderTables>, database.dialect, spec, rows),
      );
    } catch (error) {
      if (attempt >= DEADLOCK_TRIES || !isDeadlock(error)) throw error;
    }
  }
}

async function writeRows(
  db: Kysely<LoaderTables>,
  dialect: Dialect,
  spec: TableSpec,
  rows: readonly PendingRow[],
): Promise<BatchResult> {
  const result: BatchResult = { loaded: 0, updated: 0, unchanged: 0, rejected: [] };
  let candidates = rows;
  if (spec.table === "order_items") {
    const orderIds = [...new Set(rows.map((row) => row.values[1] as bigint))];
    const found = await db
      .selectFrom("orders")
      .select("id")
      .where(idIn(dialect, sql.ref("id"), orderIds))
      .execute();
    const known = new Set(found.map((row) => String(row.id)));
    candidates = rows.filter((row) => {
      if (known.has(String(row.values[1]))) return true;
      result.rejected.push({ row, reason: `order ${row.values[1]} does not exist (load its order first)` });
      return false;
    });
  }
  if (candidates.length === 0) return result;
  result.loaded = await insertNew(db, dialect, spec, candidates);
  if (result.loaded < candidates.length) result.updated = await updateChanged(db, dialect, spec, candidates);
  result.unchanged = candidates.length - result.loaded - result.updated;
  return result;
}

/** `INSERT INTO table (columns)` with the rows as its source (PostgreSQL: one array per column). */
function insertRows(db: Kysely<LoaderTables>, dialect: Dialect, spec: TableSpec, rows: readonly PendingRow[]) {
  const columns = Object.keys(spec.kinds);
  if (dialect === "postgres") {
    // One array per column through unnest: a statement of a few parameters plans in no time,
    // where a VALUES list of thousands of parameters costs PostgreSQL more than the insert.
    const arrays = Object.values(spec.kinds).map(
      (kind, i) => sql`${rows.map((row) => row.values[i] ?? null)}::${sql.raw(ARRAY_TYPES[COLUMN_TYPES[kind]])}`,
    );
    return db
      .insertInto(spec.table)
      .columns(columns)
      .expression(sql`SELECT * FROM unnest(${sql.join(arrays)})`);
  }
  return db
    .insertInto(spec.table)
    .values(rows.map((row) => Object.fromEntries(columns.map((column, i) => [column, row.values[i] ?? null]))));
}

/** The parameters of insertRows' statement: one array per column, or every value row by row. */
function insertParameters(dialect: Dialect, spec: TableSpec, rows: readonly PendingRow[]): unknown[] {
  // A row's values are its columns' values in order (parseRecord), one each.
  if (dialect === "postgres") return Object.keys(spec.kinds).map((_, i) => rows.map((row) => row.values[i]));
  const flat: unknown[] = [];
  for (const row of rows) for (const value of row.values) flat.push(value);
  return flat;
}

/**
 * SQL of the statements already built, by dialect, table, step and row count. Building and compiling
 * a batch's VALUES list costs Kysely about a quarter of the batch's CPU (docs/BENCHMARKS.md): each
 * shape is compiled once and run again with the next batch's values.
 */
const compiledSql = new Map<string, string>();

/** Runs `step`'s statement for the rows, compiled once per shape; returns the rows it affected. */
async function runStep(
  db: Kysely<LoaderTables>,
  dialect: Dialect,
  spec: TableSpec,
  rows: readonly PendingRow[],
  step: string,
  build: (insert: ReturnType<typeof insertRows>) => LoaderInsert,
): Promise<number> {
  const key = `${dialect} ${spec.table} ${step} ${dialect === "postgres" ? "" : rows.length}`;
  const parameters = insertParameters(dialect, spec, rows);
  let text = compiledSql.get(key);
  if (text === undefined) {
    const compiled = build(insertRows(db, dialect, spec, rows)).compile();
    // The reuse rests on Kysely binding the values in insertParameters' order: checked on first use.
    const same = (a: unknown, b: unknown) =>
      Array.isArray(a) && Array.isArray(b) ? a.length === b.length && a.every((v, i) => v === b[i]) : a === b;
    if (
      compiled.parameters.length !== parameters.length ||
      compiled.parameters.some((p, i) => !same(p, parameters[i]))
    ) {
      throw new Error(`the ${step} statement of ${spec.table} binds its values in another order`);
    }
    text = compiled.sql;
    compiledSql.set(key, text);
  }
  const result = await db.executeQuery(CompiledQuery.raw(text, parameters));
  return Number(result.numAffectedRows ?? 0n);
}

/** Inserts the rows whose id is new; returns how many. */
function insertNew(db: Kysely<LoaderTables>, dialect: Dialect, spec: TableSpec, rows: readonly PendingRow[]) {
  // MySQL: `id = id` changes nothing, so an existing id counts 0 rows (FOUND_ROWS is off).
  return runStep(db, dialect, spec, rows, "insert", (insert) =>
    dialect === "mysql"
      ? insert.onDuplicateKeyUpdate({ id: sql.ref("id") })
      : insert.onConflict((oc) => oc.column("id").doNothing()),
  );
}

/** Overwrites the rows whose stored values differ (every id exists by now); returns how many. */
async function updateChanged(db: Kysely<LoaderTables>, dialect: Dialect, spec: TableSpec, rows: readonly PendingRow[]) {
  const columns = Object.keys(spec.kinds).filter((column) => column !== "id");
  if (dialect === "mysql") {
    // A row set to the values it has counts 0, a changed one 2. VALUES(c) rather than the MySQL 8
    // row alias: MariaDB only knows VALUES(c).
    const set = Object.fromEntries(columns.map((column) => [column, sql<SqlValue>`VALUES(${sql.ref(column)})`]));
    return (await runStep(db, dialect, spec, rows, "update", (insert) => insert.onDuplicateKeyUpdate(set))) / 2;
  }
  const set = Object.fromEntries(columns.map((column) => [column, sql.ref<SqlValue>(`excluded.${column}`)]));
  return runStep(db, dialect, spec, rows, "update", (insert) =>
    insert.onConflict((oc) =>
      oc
        .column("id")
        .doUpdateSet(set)
        .where((eb) =>
          eb.or(
            columns.map((column) =>
              eb(sql.ref(`${spec.table}.${column}`), "is distinct from", sql.ref(`excluded.${column}`)),
            ),
          ),
        ),
    ),
  );
}
