/**
 * The orders CSV's faults, as a user meets them: `ctr orders load` (exit code, summary), then the
 * rows in the database and the purchases the sync makes of them, on SQLite, MariaDB and PostgreSQL.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { getPurchasesPerMinute, migrate, ORDER_ITEMS_CSV_COLUMNS, ORDERS_CSV_COLUMNS, type Store } from "@ctr/schemas";
import { type OrdersDatabase, openOrdersDatabase, openStore, syncPurchases } from "@ctr/workers";
import { afterAll, beforeAll, expect, it } from "vitest";
import { runCtr } from "./support/ctr_in_process.ts";
import { createTestDatabase, type TestDatabase } from "./support/fresh_databases.ts";
import { describeEachDatabase } from "./support/purchases_databases.ts";

const DAY = "2016-02-01";
/** 2^53 + 1 and + 3: a JS number cannot hold them. */
const BIG_ORDER = "9007199254740993";
const BIG_ITEM = "9007199254740995";
/** The text as UTF-8, with each `<BAD>` replaced by a byte sequence that is not UTF-8. */
const bytes = (lines: string[]) =>
  Buffer.concat(
    `${lines.join("\n")}\n`
      .split("<BAD>")
      .flatMap((part, i) => (i === 0 ? [Buffer.from(part)] : [Buffer.from([0xc3, 0x28]), Buffer.from(part)])),
  );

const order = (id: string, device: string, city = "Recife", payment = "pix") =>
  `${id},7,${DAY} 10:00:00,50.00,0,50.00,complete,${payment},0,PAC,${city},PE,direct,${device}`;

// Line numbers matter: the header is line 1.
const ORDERS = bytes([
  ORDERS_CSV_COLUMNS.join(","),
  order("1", "iOS"), // 2
  order("2", ""), // 3: no device type: stored, reported, never a purchase
  order("3", "iOS", "Sao\u0000Paulo"), // 4: NUL byte
  order("4", "iOS", "Recife", "pi<BAD>x"), // 5: not UTF-8
  order(BIG_ORDER, "Android"), // 6
  order("5", "MobileWeb"), // 7
  order("1", "Android", "Natal"), // 8: duplicate of line 2
  order("6", "ios"), // 9
]);

const ITEMS = bytes([
  ORDER_ITEMS_CSV_COLUMNS.join(","),
  "10,1,S,1,AAA", // 2
  "11,2,S,1,AAA", // 3: its order has no device type
  "12,3,S,1,AAA", // 4: order 3 was rejected
  `13,${BIG_ORDER},S,1,BBB`, // 5
  `${BIG_ITEM},5,S,1,CCC`, // 6
  "10,6,S,1,DDD", // 7: duplicate of line 2
  "14,6,S,1,D\u0000D", // 8: NUL byte
  "15,6,S<BAD>,1,EEE", // 9: not UTF-8
]);

let dir: string;
let files: { orders: string; items: string };
let store: Store;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "ctr-orders-faults-"));
  files = { orders: path.join(dir, "orders.csv"), items: path.join(dir, "order_items.csv") };
  writeFileSync(files.orders, ORDERS);
  writeFileSync(files.items, ITEMS);
  store = openStore({ kind: "embedded", path: path.join(dir, "clickhouse"), database: "default" });
  await migrate(store);
});
afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describeEachDatabase("ctr orders load on %s: a bad row costs only itself", (kind) => {
  let database: TestDatabase;
  let db: OrdersDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });
  const load = () =>
    runCtr(["orders", "load", "--orders", files.orders, "--items", files.items], {
      CTR_DATA_DIR: path.join(dir, kind),
      ORDERS_DATABASE_URL: database.url,
    });

  it("loads every good row and lists each bad one with file:line and the reason", async () => {
    const { code, stdout, stderr } = await load();

    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain("orders:      8 read, 5 loaded, 0 updated, 0 unchanged, 3 rejected\n");
    expect(stdout).toContain("order_items: 8 read, 4 loaded, 0 updated, 0 unchanged, 4 rejected\n");
    expect(stdout).toContain(
      "device types mapping to no platform (their orders never count as purchases): (empty) (1 order)",
    );
    const listed = stdout.split("\n").filter((line) => line.startsWith("  "));
    expect(listed).toEqual([
      `  ${files.orders}:4: address_city holds a NUL byte`,
      `  ${files.orders}:5: payment_type is not valid UTF-8 (an undecodable byte, read as U+FFFD)`,
      `  ${files.orders}:8: duplicate id 1: line 2 has it (the first row of an id is the one loaded)`,
      `  ${files.items}:4: order 3 does not exist (load its order first)`,
      `  ${files.items}:7: duplicate id 10: line 2 has it (the first row of an id is the one loaded)`,
      `  ${files.items}:8: code_color holds a NUL byte`,
      `  ${files.items}:9: sku is not valid UTF-8 (an undecodable byte, read as U+FFFD)`,
    ]);
  });

  it("stores the good rows whole, ids exact beyond 2^53, an empty device type as empty", async () => {
    db = await openOrdersDatabase(database.url);
    const orders = await db.kysely.selectFrom("orders").select(["id", "device_type", "address_city"]).execute();
    expect(orders.map((row) => [String(row.id), row.device_type, row.address_city]).sort()).toEqual([
      ["1", "iOS", "Recife"],
      ["2", "", "Recife"],
      ["5", "MobileWeb", "Recife"],
      ["6", "ios", "Recife"],
      [BIG_ORDER, "Android", "Recife"],
    ]);
    const items = await db.kysely.selectFrom("order_items").select(["id", "order_id", "code_color"]).execute();
    expect(items.map((row) => [String(row.id), String(row.order_id), row.code_color]).sort()).toEqual([
      ["10", "1", "AAA"],
      ["11", "2", "AAA"],
      ["13", BIG_ORDER, "BBB"],
      [BIG_ITEM, "5", "CCC"],
    ]);
  });

  it("a reload changes nothing, reports every stored row unchanged and the same rejects", async () => {
    const { code, stdout } = await load();

    expect(code).toBe(0);
    expect(stdout).toContain("orders:      8 read, 0 loaded, 0 updated, 5 unchanged, 3 rejected\n");
    expect(stdout).toContain("order_items: 8 read, 0 loaded, 0 updated, 4 unchanged, 4 rejected\n");
  });

  it("the sync counts the stored items as purchases, the big id's included, and reports the empty device type", async () => {
    const result = await syncPurchases({ day: DAY }, { store, orders: db, config: { purchaseExcludedStatuses: [] } });

    expect(result).toMatchObject({ purchases: 3, unmapped: 1, unmappedDeviceTypes: { "(empty)": 1 } });
    const rows = await getPurchasesPerMinute(store.client, { from: DAY, to: DAY });
    expect(rows.map((row) => [row.platform, row.product, row.purchases]).sort()).toEqual([
      ["Android", "BBB", 1],
      ["MobileWeb", "CCC", 1],
      ["iOS", "AAA", 1],
    ]);
  });
});
