// The digest a queued run's id takes of its days' orders (fingerprintOrders): the same orders give
// the same digest, and any change a purchase sync would see (a new item, another device type,
// product, status or minute) gives another; orders outside the days leave it alone. On SQLite,
// MariaDB and PostgreSQL.
import { fingerprintOrders, migrateOrdersDatabase } from "@ctr/workers";
import { sql } from "kysely";
import { beforeAll, expect, it } from "vitest";
import { describeEachDatabase, useTestDatabase } from "./support/purchases_databases.ts";

const DAYS = ["2016-02-01", "2016-02-02"];

describeEachDatabase("fingerprintOrders on %s", (kind) => {
  const test = useTestDatabase(kind);
  beforeAll(async () => {
    await migrateOrdersDatabase(test.db);
  });

  const order = (id: number, date: string, device = "iOS", status = "complete") => ({
    id: BigInt(id),
    user_id: 7n,
    order_date: date,
    order_subtotal: "50.00",
    order_discount: "0",
    order_total: "50.00",
    order_status: status,
    payment_type: "pix",
    shipping_cost: "0",
    shipping_service: "PAC",
    address_city: "Recife",
    address_state: "PE",
    utm_source_medium: "direct",
    device_type: device,
  });
  const digest = () => fingerprintOrders(test.db, DAYS);
  const update = (column: "device_type" | "order_status" | "order_date", value: string) =>
    sql`UPDATE orders SET ${sql.ref(column)} = ${value} WHERE id = 1`.execute(test.db.kysely);

  it("stays the same for the same orders and moves with every change a sync would see", async () => {
    const empty = await digest();
    expect(await digest()).toBe(empty);
    await test.db.kysely
      .insertInto("orders")
      .values([order(1, "2016-02-01 10:00:00"), order(2, "2016-02-02 23:59:00"), order(3, "2016-02-03 00:00:00")])
      .execute();
    await test.db.kysely
      .insertInto("order_items")
      .values([
        { id: 10n, order_id: 1n, sku: "S", quantity: 1, code_color: "P1" },
        { id: 20n, order_id: 2n, sku: "S", quantity: 1, code_color: "P2" },
      ])
      .execute();
    const loaded = await digest();
    expect(loaded).not.toBe(empty);
    expect(await digest()).toBe(loaded);

    // An item of an order after the days changes nothing the syncs of the days read.
    await test.db.kysely
      .insertInto("order_items")
      .values({ id: 30n, order_id: 3n, sku: "S", quantity: 1, code_color: "P3" })
      .execute();
    expect(await digest()).toBe(loaded);

    const seen = new Set([empty, loaded]);
    const changed = async () => {
      const now = await digest();
      expect(seen.has(now)).toBe(false);
      seen.add(now);
    };
    await test.db.kysely
      .insertInto("order_items")
      .values({ id: 11n, order_id: 1n, sku: "S", quantity: 1, code_color: "P1" })
      .execute();
    await changed();
    await update("device_type", "Android");
    await changed();
    await update("order_status", "canceled");
    await changed();
    await update("order_date", "2016-02-01 10:01:00");
    await changed();
    await sql`UPDATE order_items SET code_color = 'P9' WHERE id = 11`.execute(test.db.kysely);
    await changed();
  });
});
