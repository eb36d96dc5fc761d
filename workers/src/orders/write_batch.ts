import { type Kysely, sql } from "kysely";
import { COLUMN_TYPES, type ColumnKind, normalizeStored } from "./csv_rows.ts";
import { type ColumnType, idIn, type OrdersDatabase, type SqlValue } from "./database.ts";

/** A parsed CSV row waiting for its batch: its id, line and values in column order. */
export interface PendingRow {
  id: number;
  line: number;
  values: SqlValue[];
}

/** The table a CSV goes to and how its columns are read, in the table's column order (id first). */
export interface TableSpec {
  table: "orders" | "order_items";
  kinds: Readonly<Record<string, ColumnKind>>;
}

/** What a batch did to the table. */
export interface BatchCounts {
  loaded: number;
  updated: number;
  unchanged: number;
}

/**
 * The loader's view of a table: columns by name, values as parsed. The tables' own types
 * (OrdersTables) serve the typed queries; the loader handles both tables alike through their
 * column kinds.
 */
type LoaderTables = Record<string, Record<string, SqlValue>>;

/** The array type each column travels in through unnest. */
const ARRAY_TYPES: Record<ColumnType, string> = {
  bigint: "bigint[]",
  integer: "integer[]",
  datetime: "timestamp[]",
  decimal: "numeric[]",
  text: "text[]",
};

/**
 * Writes one batch in one transaction: items of unknown orders are rejected, rows equal to the
 * stored ones are skipped, the rest are upserted by id in one statement.
 */
export async function writeBatch(
  database: OrdersDatabase,
  spec: TableSpec,
  rows: readonly PendingRow[],
  rejectRow: (row: PendingRow, reason: string) => void,
): Promise<BatchCounts> {
  const { dialect } = database;
  const columns = Object.keys(spec.kinds);
  const kinds = Object.values(spec.kinds);
  const counts: BatchCounts = { loaded: 0, updated: 0, unchanged: 0 };
  await (database.kysely as unknown as Kysely<LoaderTables>).transaction().execute(async (trx) => {
    let candidates = rows;
    if (spec.table === "order_items") {
      const orderIds = [...new Set(rows.map((row) => row.values[1] as number))];
      const found = await trx
        .selectFrom("orders")
        .select("id")
        .where(idIn(dialect, sql.ref("id"), orderIds))
        .execute();
      const known = new Set(found.map((row) => Number(row.id)));
      candidates = rows.filter((row) => {
        if (known.has(row.values[1] as number)) return true;
        rejectRow(row, `order ${row.values[1]} does not exist (load its order first)`);
        return false;
      });
    }
    if (candidates.length === 0) return;
    const stored = await trx
      .selectFrom(spec.table)
      .select(columns)
      .where(
        idIn(
          dialect,
          sql.ref("id"),
          candidates.map((row) => row.id),
        ),
      )
      .execute();
    const storedById = new Map(
      stored.map((row) => [
        Number(row.id),
        columns.map((column, i) => normalizeStored(kinds[i] ?? "text", row[column])),
      ]),
    );
    const changed = candidates.filter((row) => {
      const before = storedById.get(row.id);
      if (!before) {
        counts.loaded++;
        return true;
      }
      const same = row.values.every((value, i) => normalizeStored(kinds[i] ?? "text", value) === before[i]);
      if (same) counts.unchanged++;
      else counts.updated++;
      return !same;
    });
    if (changed.length > 0) await upsert(trx, database.dialect, spec, changed);
  });
  return counts;
}

/** Inserts `rows` in one statement; a row whose id exists overwrites it. */
async function upsert(
  db: Kysely<LoaderTables>,
  dialect: OrdersDatabase["dialect"],
  spec: TableSpec,
  rows: readonly PendingRow[],
): Promise<void> {
  const columns = Object.keys(spec.kinds);
  const updated = columns.filter((column) => column !== "id");
  if (dialect === "mysql") {
    // VALUES(c) rather than the MySQL 8 row alias: MariaDB only knows VALUES(c).
    await db
      .insertInto(spec.table)
      .values(rows.map((row) => Object.fromEntries(columns.map((column, i) => [column, row.values[i] ?? null]))))
      .onDuplicateKeyUpdate(Object.fromEntries(updated.map((column) => [column, sql`VALUES(${sql.ref(column)})`])))
      .execute();
    return;
  }
  const onConflict = Object.fromEntries(updated.map((column) => [column, sql.ref<SqlValue>(`excluded.${column}`)]));
  if (dialect === "postgres") {
    // One array per column through unnest: a statement of a few parameters plans in no time,
    // where a VALUES list of thousands of parameters costs PostgreSQL more than the insert.
    const arrays = Object.values(spec.kinds).map(
      (kind, i) => sql`${rows.map((row) => row.values[i] ?? null)}::${sql.raw(ARRAY_TYPES[COLUMN_TYPES[kind]])}`,
    );
    await db
      .insertInto(spec.table)
      .columns(columns)
      .expression(sql`SELECT * FROM unnest(${sql.join(arrays)})`)
      .onConflict((oc) => oc.column("id").doUpdateSet(onConflict))
      .execute();
    return;
  }
  await db
    .insertInto(spec.table)
    .values(rows.map((row) => Object.fromEntries(columns.map((column, i) => [column, row.values[i] ?? null]))))
    .onConflict((oc) => oc.column("id").doUpdateSet(onConflict))
    .execute();
}
