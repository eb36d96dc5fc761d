import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadOrders } from "@ctr/workers";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeEachDatabase, useTestDatabase } from "./support/purchases_databases.ts";

const ORDERS_HEADER =
  "id,user_id,order_date,order_subtotal,order_discount,order_total,order_status,payment_type,shipping_cost,shipping_service,address_city,address_state,utm_source_medium,device_type";
const order = (id: string, date: string, status: string, device: string) =>
  `${id},10,${date},100.00,5.50,104.50,${status},credit_card,10.00,express,Sao Paulo,SP,google / cpc,${device}`;

// Line numbers matter: the header is line 1.
const ORDERS_CSV = [
  ORDERS_HEADER,
  order("1", "2016-02-01 10:00:05", "complete", "iOS"), // 2
  order("2", "2016-02-01 10:01:00", "complete", "android"), // 3
  order("3", "2016-02-01 11:00:00", "complete", "Desktop"), // 4
  order("x4", "2016-02-01 11:00:00", "complete", "iOS"), // 5: non-numeric id
  order("5", "2016-02-30 10:00:00", "complete", "iOS"), // 6: no such date
  "6,14,2016-02-01 10:00:00", // 7: missing columns
  order("7", "2016-02-01 12:00:00", "complete", "MOBILEWEB"), // 8
].join("\n");

const ITEMS_CSV = [
  "id,order_id,sku,quantity,code_color",
  "100,1,SKU1,1,AAA", // 2
  "101,1,SKU2,2,BBB", // 3
  "102,2,SKU1,1,AAA", // 4
  "103,99,SKU1,1,AAA", // 5: no order 99
  "104,3,SKU3,0,CCC", // 6: quantity 0
  "105,5,SKU3,1,CCC", // 7: order 5 was rejected
  "106,7,SKU3,1,CCC", // 8
].join("\n");

let dir: string;
const write = (name: string, text: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, `${text}\n`);
  return file;
};

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "ctr-orders-load-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeEachDatabase("orders load into %s", (kind) => {
  const database = useTestDatabase(kind);

  const count = async (table: "orders" | "order_items") =>
    Number(
      (
        await database.db.kysely
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as("n"))
          .executeTakeFirst()
      )?.n,
    );
  const orders = () => database.db.kysely.selectFrom("orders");

  it("loads valid rows and rejects bad ones with file, line and reason", async () => {
    const files = { orders: write(`orders_${kind}.csv`, ORDERS_CSV), items: write(`items_${kind}.csv`, ITEMS_CSV) };
    const summary = await loadOrders(database.db, files);

    expect(summary.orders).toEqual({ read: 7, loaded: 4, updated: 0, unchanged: 0, rejected: 3 });
    expect(summary.items).toEqual({ read: 7, loaded: 4, updated: 0, unchanged: 0, rejected: 3 });
    expect(summary.unmappedDeviceTypes).toEqual({ Desktop: 1 });
    expect(summary.rejectedTotal).toBe(6);
    expect(summary.rejected.map((r) => [path.basename(r.file), r.line])).toEqual([
      [`orders_${kind}.csv`, 5],
      [`orders_${kind}.csv`, 6],
      [`orders_${kind}.csv`, 7],
      [`items_${kind}.csv`, 5],
      [`items_${kind}.csv`, 6],
      [`items_${kind}.csv`, 7],
    ]);
    expect(summary.rejected.map((r) => r.reason)).toEqual([
      expect.stringContaining("id wants a whole number"),
      expect.stringContaining("order_date wants a real date and time"),
      expect.stringContaining("missing column"),
      expect.stringContaining("order 99 does not exist"),
      expect.stringContaining("quantity wants a whole number above 0"),
      expect.stringContaining("order 5 does not exist"),
    ]);
    expect(await count("orders")).toBe(4);
    expect(await count("order_items")).toBe(4);
    // The date comes back exactly as written, whatever the column type and the process's zone.
    const first = await orders().select("order_date").where("id", "=", 1n).executeTakeFirst();
    expect(first?.order_date).toBe("2016-02-01 10:00:05");
  });

  it("loading the same files again duplicates nothing", async () => {
    const files = { orders: path.join(dir, `orders_${kind}.csv`), items: path.join(dir, `items_${kind}.csv`) };
    const summary = await loadOrders(database.db, files);

    expect(summary.orders).toMatchObject({ loaded: 0, updated: 0, unchanged: 4, rejected: 3 });
    expect(summary.items).toMatchObject({ loaded: 0, updated: 0, unchanged: 4, rejected: 3 });
    expect(await count("orders")).toBe(4);
    expect(await count("order_items")).toBe(4);
  });

  it("a changed row is updated in place", async () => {
    const files = {
      orders: write(
        `orders_changed_${kind}.csv`,
        ORDERS_CSV.replace(
          order("2", "2016-02-01 10:01:00", "complete", "android"),
          order("2", "2016-02-01 10:01:00", "canceled", "android"),
        ),
      ),
      items: write(`items_changed_${kind}.csv`, ITEMS_CSV.replace("101,1,SKU2,2,BBB", "101,1,SKU2,3,BBB")),
    };
    const summary = await loadOrders(database.db, files);

    expect(summary.orders).toMatchObject({ loaded: 0, updated: 1, unchanged: 3 });
    expect(summary.items).toMatchObject({ loaded: 0, updated: 1, unchanged: 3 });
    expect(await count("orders")).toBe(4);
    const changedOrder = await orders().select("order_status").where("id", "=", 2n).executeTakeFirst();
    const changedItem = await database.db.kysely
      .selectFrom("order_items")
      .select("quantity")
      .where("id", "=", 101n)
      .executeTakeFirst();
    expect(changedOrder?.order_status).toBe("canceled");
    expect(Number(changedItem?.quantity)).toBe(3);
  });

  it("reports a row the CSV parser cannot read and loads the rows after it", async () => {
    const files = {
      orders: write(`orders_quote_${kind}.csv`, ORDERS_HEADER),
      items: write(
        `items_quote_${kind}.csv`,
        ["id,order_id,sku,quantity,code_color", "200,1,S,1,A", '201,1,S"x,1,A', "202,2,S,1,B"].join("\n"),
      ),
    };
    const summary = await loadOrders(database.db, files);

    expect(summary.items).toMatchObject({ read: 3, loaded: 2, rejected: 1 });
    expect(summary.rejected).toEqual([
      { file: files.items, line: 3, reason: expect.stringContaining("unreadable CSV") },
    ]);
  });

  it("refuses a file whose header lacks the contract's columns, naming them", async () => {
    const files = {
      orders: write(`orders_header_${kind}.csv`, "id,user_id,order_date\n1,10,2016-02-01 10:00:05"),
      items: write(`items_header_${kind}.csv`, "id,order_id,sku,quantity,code_color"),
    };
    await expect(loadOrders(database.db, files)).rejects.toThrow(
      /orders_header_.*\.csv: the header lacks order_subtotal, .*device_type/,
    );
    expect(await count("orders")).toBe(4);
  });

  it("a stream abandoned early leaves the connection usable", async () => {
    const seen: unknown[] = [];
    for await (const row of orders().select("id").orderBy("id").stream()) {
      seen.push(String(row.id));
      break;
    }
    expect(seen).toEqual(["1"]);
    expect(await count("orders")).toBe(4);
  });
});
