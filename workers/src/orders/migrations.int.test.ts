import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ORDER_ITEMS_CSV_COLUMNS, ORDERS_CSV_COLUMNS } from "@ctr/schemas";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OrdersDatabase } from "./database.ts";
import { migrateOrdersDatabase } from "./migrations.ts";
import { openOrdersDatabase } from "./open_orders_database.ts";

let dir: string;
let db: OrdersDatabase;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "ctr-orders-migrations-"));
  db = await openOrdersDatabase(`sqlite://${path.join(dir, "orders.sqlite")}`);
  await migrateOrdersDatabase(db);
});

afterAll(async () => {
  await db?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("migrateOrdersDatabase", () => {
  // The DDL spells its columns with their types; this keeps them the contract's CSV columns, in order.
  it.each([
    ["orders", ORDERS_CSV_COLUMNS],
    ["order_items", ORDER_ITEMS_CSV_COLUMNS],
  ])("creates %s with the contract's CSV columns in order", async (table, columns) => {
    const { rows } = await sql<{ name: string }>`SELECT name FROM pragma_table_info(${table}) ORDER BY cid`.execute(
      db.kysely,
    );
    expect(rows.map((r) => r.name)).toEqual(columns);
  });
});
