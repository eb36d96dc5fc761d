import { type Kysely, sql } from "kysely";
import { type Migration, Migrator } from "kysely/migration";
import { type Dialect, inWriteTransaction, type OrdersDatabase, type OrdersTables } from "./database.ts";

/** The column types that differ between the dialects. */
const TYPES: Record<Dialect, { id: string; dateTime: string; money: string }> = {
  sqlite: { id: "integer", dateTime: "text", money: "numeric" },
  mysql: { id: "bigint", dateTime: "datetime", money: "decimal(14, 2)" },
  postgres: { id: "bigint", dateTime: "timestamp", money: "numeric(14, 2)" },
};

/** `VARCHAR(255)` rather than TEXT: MySQL cannot index TEXT, and no value is longer. */
const TEXT = "varchar(255)";

/** Creates an index unless it is there: MySQL has no CREATE INDEX IF NOT EXISTS (MariaDB has). */
async function createIndex(db: Kysely<unknown>, dialect: Dialect, name: string, table: string, column: string) {
  if (dialect === "mysql") {
    const { rows } = await sql`SELECT 1 FROM information_schema.statistics
      WHERE table_schema = DATABASE() AND table_name = ${table} AND index_name = ${name}`.execute(db);
    if (rows.length > 0) return;
    await db.schema.createIndex(name).on(table).column(column).execute();
  } else {
    await db.schema.createIndex(name).ifNotExists().on(table).column(column).execute();
  }
}

/**
 * The orders schema, one migration per change, applied in name order by Kysely's Migrator, which
 * records them in `kysely_migration`. The first one also meets databases created before the
 * migrator (the same tables made by CREATE TABLE IF NOT EXISTS): it only creates what is missing.
 */
function migrations(dialect: Dialect): Record<string, Migration> {
  const { id, dateTime, money } = TYPES[dialect];
  return {
    "0001_orders_tables": {
      async up(db) {
        await db.schema
          .createTable("orders")
          .ifNotExists()
          .addColumn("id", sql.raw(id), (c) => c.primaryKey())
          .addColumn("user_id", sql.raw(id), (c) => c.notNull())
          .addColumn("order_date", sql.raw(dateTime), (c) => c.notNull())
          .addColumn("order_subtotal", sql.raw(money))
          .addColumn("order_discount", sql.raw(money))
          .addColumn("order_total", sql.raw(money))
          .addColumn("order_status", sql.raw(TEXT))
          .addColumn("payment_type", sql.raw(TEXT))
          .addColumn("shipping_cost", sql.raw(money))
          .addColumn("shipping_service", sql.raw(TEXT))
          .addColumn("address_city", sql.raw(TEXT))
          .addColumn("address_state", sql.raw(TEXT))
          .addColumn("utm_source_medium", sql.raw(TEXT))
          .addColumn("device_type", sql.raw(TEXT), (c) => c.notNull())
          .execute();
        await db.schema
          .createTable("order_items")
          .ifNotExists()
          .addColumn("id", sql.raw(id), (c) => c.primaryKey())
          .addColumn("order_id", sql.raw(id), (c) => c.notNull())
          .addColumn("sku", sql.raw(TEXT))
          .addColumn("quantity", "integer", (c) => c.notNull())
          .addColumn("code_color", sql.raw(TEXT), (c) => c.notNull())
          .execute();
        await createIndex(db, dialect, "orders_order_date", "orders", "order_date");
        await createIndex(db, dialect, "order_items_order_id", "order_items", "order_id");
      },
    },
  };
}

/**
 * Applies the orders migrations that the database has not seen yet (creates the tables the first
 * time). Concurrent callers wait for each other: the Migrator locks on PostgreSQL and MySQL; on
 * SQLite, whose Migrator assumes one process, it runs inside our own write transaction.
 */
export async function migrateOrdersDatabase(database: OrdersDatabase): Promise<void> {
  const migrate = async (db: Kysely<OrdersTables>, disableTransactions: boolean) => {
    const provider = { getMigrations: async () => migrations(database.dialect) };
    const { error } = await new Migrator({ db, provider, disableTransactions }).migrateToLatest();
    if (error) throw error;
  };
  if (database.dialect === "sqlite") await inWriteTransaction(database, (db) => migrate(db, true));
  else await migrate(database.kysely, false);
}
