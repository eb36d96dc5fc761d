import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { getPurchaseSync, getPurchasesPerMinute, loadConfig, migrate, type Store } from "@ctr/schemas";
import { loadOrders, openStore, syncPurchases } from "@ctr/workers";
import { afterAll, beforeAll, expect, it } from "vitest";
import { testClickHouse } from "./support/clickhouse_mode.ts";
import { countPurchasesDirectly, describeEachDatabase, useTestDatabase } from "./support/purchases_databases.ts";

const ORDERS_CSV = [
  "id,user_id,order_date,order_subtotal,order_discount,order_total,order_status,payment_type,shipping_cost,shipping_service,address_city,address_state,utm_source_medium,device_type",
  ...(
    [
      [1, "2016-01-31 23:59:59", "complete", "iOS"],
      [2, "2016-02-01 00:00:00", "complete", "ios"],
      [3, "2016-02-01 00:00:30", "complete", "IOS"],
      [4, "2016-02-01 10:15:00", "complete", "Android"],
      [5, "2016-02-01 10:15:59", "CANCELED", "android"],
      [6, "2016-02-01 12:00:00", "complete", "mobileWeb"],
      [7, "2016-02-01 12:00:00", "complete", "Desktop"],
      [8, "2016-02-01 23:59:59", "complete", "MobileWeb"],
      [9, "2016-02-02 00:00:00", "complete", "Android"],
    ] as const
  ).map(
    ([id, date, status, device]) => `${id},7,${date},50.00,0,50.00,${status},boleto,0,PAC,Recife,PE,direct,${device}`,
  ),
].join("\n");

const ITEMS_CSV = [
  "id,order_id,sku,quantity,code_color",
  "10,1,S,1,AAA",
  "20,2,S,1,AAA",
  "21,2,S,1,BBB",
  "30,3,S,2,AAA",
  "40,4,S,1,AAA",
  "50,5,S,1,AAA",
  "51,5,S,1,BBB",
  "60,6,S,1,CCC",
  "70,7,S,1,AAA",
  "80,8,S,1,CCC",
  "81,8,S,1,CCC",
  "90,9,S,1,AAA",
].join("\n");

const DAYS = ["2016-01-31", "2016-02-01", "2016-02-02"];

let tmp: string;
let store: Store;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), "ctr-purchases-sync-"));
  store = openStore(testClickHouse(path.join(tmp, "clickhouse")));
  await migrate(store);
});
afterAll(async () => {
  await store?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** Synced totals per (day, platform, product), from ClickHouse. */
async function syncedTotals(): Promise<Record<string, number>> {
  const totals: Record<string, number> = {};
  for (const row of await getPurchasesPerMinute(store.client, { from: DAYS[0] ?? "", to: DAYS.at(-1) ?? "" })) {
    const key = `${row.day} ${row.platform} ${row.product}`;
    totals[key] = (totals[key] ?? 0) + row.purchases;
  }
  return totals;
}

describeEachDatabase("purchase sync from %s", (kind) => {
  const database = useTestDatabase(kind);
  const sync = (day: string, purchaseExcludedStatuses: string[] = []) =>
    syncPurchases({ day }, { store, orders: database.db, config: { purchaseExcludedStatuses } });

  beforeAll(async () => {
    const orders = path.join(tmp, `orders_${kind}.csv`);
    const items = path.join(tmp, `items_${kind}.csv`);
    writeFileSync(orders, ORDERS_CSV);
    writeFileSync(items, ITEMS_CSV);
    const summary = await loadOrders(database.db, { orders, items });
    expect(summary.rejectedTotal).toBe(0);
  });

  /** The count the sync must reproduce, asked of the orders database directly. */
  async function directCount(): Promise<Record<string, number>> {
    const totals: Record<string, number> = {};
    for (const [i, day] of DAYS.entries()) {
      const counts = await countPurchasesDirectly(database.db, day, DAYS[i + 1] ?? "2016-02-03");
      for (const [key, n] of Object.entries(counts)) totals[`${day} ${key}`] = n;
    }
    return totals;
  }

  it("synced totals per day, platform and product equal a direct SQL count", async () => {
    for (const day of DAYS) await sync(day);
    const synced = await syncedTotals();
    expect(synced).toEqual(await directCount());
    expect(synced).toEqual({
      "2016-01-31 iOS AAA": 1,
      "2016-02-01 iOS AAA": 2,
      "2016-02-01 iOS BBB": 1,
      "2016-02-01 Android AAA": 2,
      "2016-02-01 Android BBB": 1,
      "2016-02-01 MobileWeb CCC": 3,
      "2016-02-02 Android AAA": 1,
    });
  });

  it("holds GMT-3 day boundaries in the partition day and the stored instant", async () => {
    const rows = await getPurchasesPerMinute(store.client, { from: "2016-01-31", to: "2016-02-01" });
    const ios = rows.filter((row) => row.platform === "iOS" && row.product === "AAA");
    // 23:59:59 GMT-3 is 02:59 UTC the next day; 00:00:00 and 00:00:30 GMT-3 are both 03:00 UTC.
    expect(ios).toEqual([
      { day: "2016-01-31", platform: "iOS", minute: "2016-02-01 02:59:00", product: "AAA", purchases: 1 },
      { day: "2016-02-01", platform: "iOS", minute: "2016-02-01 03:00:00", product: "AAA", purchases: 2 },
    ]);
  });

  it("maps device-type case variants and leaves Desktop out, reported", async () => {
    const result = await sync("2016-02-01");
    expect(result).toMatchObject({ day: "2016-02-01", purchases: 9, unmapped: 1, excluded: 0 });
    expect(result.unmappedDeviceTypes).toEqual({ Desktop: 1 });
    expect(await getPurchaseSync(store.client, "2016-02-01")).toMatchObject({ order_items: 9, unmapped: 1 });
  });

  it("re-running never double counts", async () => {
    const before = await syncedTotals();
    for (const day of DAYS) await sync(day);
    await sync("2016-02-01");
    expect(await syncedTotals()).toEqual(before);
  });

  it("PURCHASE_EXCLUDED_STATUSES leaves out the named statuses, case-insensitively", async () => {
    const { purchaseExcludedStatuses } = loadConfig({ PURCHASE_EXCLUDED_STATUSES: "canceled, refunded" });
    const result = await sync("2016-02-01", purchaseExcludedStatuses);
    expect(result).toMatchObject({ purchases: 7, excluded: 2 });
    const totals = await syncedTotals();
    expect(totals["2016-02-01 Android AAA"]).toBe(1);
    expect(totals["2016-02-01 Android BBB"]).toBeUndefined();
    expect(await getPurchaseSync(store.client, "2016-02-01")).toMatchObject({ order_items: 7, excluded: 2 });
    await sync("2016-02-01");
    expect((await syncedTotals())["2016-02-01 Android AAA"]).toBe(2);
  });

  it("refuses a day whose orders are gone, and replaces it with nothing only when allowed", async () => {
    const before = await syncedTotals();
    await database.db.kysely.deleteFrom("order_items").where("order_id", "=", 9n).execute();
    await database.db.kysely.deleteFrom("orders").where("id", "=", 9n).execute();
    await expect(sync("2016-02-02")).rejects.toMatchObject({
      name: "DayRefusedError",
      refusal: {
        step: "purchases 2016-02-02",
        message: expect.stringMatching(/no order items for this day, but the last sync found 1.*--allow-empty/),
      },
    });
    expect(await syncedTotals()).toEqual(before);
    expect(await getPurchaseSync(store.client, "2016-02-02")).toMatchObject({ order_items: 1 });

    const allowed = await syncPurchases(
      { day: "2016-02-02", allowEmpty: true },
      { store, orders: database.db, config: { purchaseExcludedStatuses: [] } },
    );
    expect(allowed).toMatchObject({ rows: 0, purchases: 0 });
    expect(await getPurchasesPerMinute(store.client, { from: "2016-02-02", to: "2016-02-02" })).toEqual([]);
    // Once emptied on purpose, or never synced with orders, an empty day is no loss.
    expect(await sync("2016-02-02")).toMatchObject({ rows: 0, purchases: 0 });
    expect(await sync("2016-02-03")).toMatchObject({ rows: 0, purchases: 0 });
  });
});
