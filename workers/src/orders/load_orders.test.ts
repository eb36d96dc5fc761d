import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ORDERS_CSV_COLUMNS } from "@ctr/schemas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OrdersDatabase } from "./database.ts";
import { loadOrders } from "./load_orders.ts";
import { openOrdersDatabase } from "./open_orders_database.ts";

const order = (id: number, city = "Sao Paulo") =>
  `${id},10,2016-02-02 10:00:00,100.00,5.50,104.50,complete,credit_card,10.00,express,${city},SP,google / cpc,iOS`;

let dir: string;
let db: OrdersDatabase;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "ctr-load-orders-"));
  db = await openOrdersDatabase(`sqlite://${path.join(dir, "orders.sqlite")}`);
});
afterAll(async () => {
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("loadOrders: CSV rows", () => {
  it("reads CRLF and LF lines mixed in one file (an export with rows appended on Unix)", async () => {
    const files = {
      orders: path.join(dir, "orders_mixed.csv"),
      items: path.join(dir, "items_mixed.csv"),
    };
    writeFileSync(files.orders, `${ORDERS_CSV_COLUMNS.join(",")}\r\n${order(1)}\r\n${order(2)}\n${order(3)}\n`);
    writeFileSync(files.items, "id,order_id,sku,quantity,code_color\r\n10,1,S,1,A\n11,2,S,1,B\r\n12,3,S,1,C\n");

    const summary = await loadOrders(db, files);

    expect(summary.orders).toMatchObject({ read: 3, loaded: 3, rejected: 0 });
    expect(summary.items).toMatchObject({ read: 3, loaded: 3, rejected: 0 });
    const stored = await db.kysely.selectFrom("orders").select(["id", "device_type"]).orderBy("id").execute();
    expect(stored.map((row) => [String(row.id), row.device_type])).toEqual([
      ["1", "iOS"],
      ["2", "iOS"],
      ["3", "iOS"],
    ]);
  });

  it("rejects a row with more fields than the header instead of loading shifted values", async () => {
    const files = { orders: path.join(dir, "orders_extra.csv"), items: path.join(dir, "items_extra.csv") };
    writeFileSync(files.orders, `${ORDERS_CSV_COLUMNS.join(",")}\n${order(20, "Sao Paulo, SP")}\n${order(21)}\n`);
    writeFileSync(files.items, "id,order_id,sku,quantity,code_color\n");

    const summary = await loadOrders(db, files);

    expect(summary.orders).toMatchObject({ read: 2, loaded: 1, rejected: 1 });
    expect(summary.rejected).toEqual([
      { file: files.orders, line: 2, reason: "has 15 fields, the header 14 (an unquoted comma?)" },
    ]);
  });

  it("refuses an empty file, naming it, instead of loading nothing", async () => {
    const files = { orders: path.join(dir, "orders_empty.csv"), items: path.join(dir, "items_empty.csv") };
    writeFileSync(files.orders, "");
    writeFileSync(files.items, "id,order_id,sku,quantity,code_color\n");

    await expect(loadOrders(db, files)).rejects.toThrow(`${files.orders}: the file is empty (no header row)`);
  });
});
