/**
 * The orders migrations on a database that already has the tables, made by the loader before it
 * used Kysely's Migrator (plain CREATE TABLE IF NOT EXISTS, no kysely_migration): they are adopted
 * with their rows, on SQLite, MariaDB and PostgreSQL.
 */
import { migrateOrdersDatabase } from "@ctr/workers";
import { sql } from "kysely";
import { expect, it } from "vitest";
import { describeEachDatabase, useTestDatabase } from "./support/purchases_databases.ts";

/** The schema as the loader created it before the Migrator, per database. */
const BEFORE_MIGRATOR = {
  sqlite: ["INTEGER", "TEXT", "NUMERIC"],
  mariadb: ["BIGINT", "DATETIME", "DECIMAL(14,2)"],
  postgres: ["BIGINT", "TIMESTAMP WITHOUT TIME ZONE", "NUMERIC(14,2)"],
} as const;

describeEachDatabase("orders migrations on a %s database made before the Migrator", (kind) => {
  const database = useTestDatabase(kind);

  it("keep its tables and rows, and record the first migration as applied", async () => {
    const db = database.db.kysely;
    const [id, dateTime, money] = BEFORE_MIGRATOR[kind];
    const inline = kind === "mariadb";
    await sql`${sql.raw(`CREATE TABLE orders (id ${id} PRIMARY KEY, user_id ${id} NOT NULL,
      order_date ${dateTime} NOT NULL, order_subtotal ${money}, order_discount ${money}, order_total ${money},
      order_status VARCHAR(255), payment_type VARCHAR(255), shipping_cost ${money}, shipping_service VARCHAR(255),
      address_city VARCHAR(255), address_state VARCHAR(255), utm_source_medium VARCHAR(255),
      device_type VARCHAR(255) NOT NULL${inline ? ", INDEX orders_order_date (order_date)" : ""})`)}`.execute(db);
    await sql`${sql.raw(`CREATE TABLE order_items (id ${id} PRIMARY KEY, order_id ${id} NOT NULL, sku VARCHAR(255),
      quantity INTEGER NOT NULL, code_color VARCHAR(255) NOT NULL${inline ? ", INDEX order_items_order_id (order_id)" : ""})`)}`.execute(
      db,
    );
    if (!inline) {
      await sql`CREATE INDEX orders_order_date ON orders (order_date)`.execute(db);
      await sql`CREATE INDEX order_items_order_id ON order_items (order_id)`.execute(db);
    }
    await db
      .insertInto("orders")
      .values({ id: 1n, user_id: 2n, order_date: "2016-02-01 10:00:00", device_type: "iOS" })
      .execute();

    await migrateOrdersDatabase(database.db);
    await migrateOrdersDatabase(database.db);

    const orders = await db.selectFrom("orders").select(["id", "device_type"]).execute();
    expect(orders.map((row) => [String(row.id), row.device_type])).toEqual([["1", "iOS"]]);
    const { rows } = await sql<{ name: string }>`SELECT name FROM kysely_migration`.execute(db);
    expect(rows.map((row) => row.name)).toEqual(["0001_orders_tables"]);
  });
});
