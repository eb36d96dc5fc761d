import type { OrdersDatabase } from "./database.ts";

/**
 * The orders schema, in the dialect's types. Every statement is idempotent, so the loader and the
 * sync run them on every start without bookkeeping. `VARCHAR(255)` rather than TEXT: MySQL cannot
 * index TEXT, and none of these values is longer.
 */
function migrationStatements(db: OrdersDatabase): string[] {
  const { id, dateTime, money } = db.types;
  const text = "VARCHAR(255)";
  // MySQL has no CREATE INDEX IF NOT EXISTS (MariaDB does); declaring the index inside CREATE TABLE
  // works in MySQL and MariaDB alike and is idempotent with the table.
  const inline = db.dialect === "mysql";
  return [
    `CREATE TABLE IF NOT EXISTS orders (
      id ${id} PRIMARY KEY,
      user_id ${id} NOT NULL,
      order_date ${dateTime} NOT NULL,
      order_subtotal ${money},
      order_discount ${money},
      order_total ${money},
      order_status ${text},
      payment_type ${text},
      shipping_cost ${money},
      shipping_service ${text},
      address_city ${text},
      address_state ${text},
      utm_source_medium ${text},
      device_type ${text} NOT NULL${inline ? ",\n      INDEX orders_order_date (order_date)" : ""}
    )`,
    `CREATE TABLE IF NOT EXISTS order_items (
      id ${id} PRIMARY KEY,
      order_id ${id} NOT NULL,
      sku ${text},
      quantity INTEGER NOT NULL,
      code_color ${text} NOT NULL${inline ? ",\n      INDEX order_items_order_id (order_id)" : ""}
    )`,
    ...(inline
      ? []
      : [
          "CREATE INDEX IF NOT EXISTS orders_order_date ON orders (order_date)",
          "CREATE INDEX IF NOT EXISTS order_items_order_id ON order_items (order_id)",
        ]),
  ];
}

/** Creates the orders tables and their indexes when they are missing. */
export async function migrateOrdersDatabase(db: OrdersDatabase): Promise<void> {
  for (const statement of migrationStatements(db)) await db.run(statement);
}
