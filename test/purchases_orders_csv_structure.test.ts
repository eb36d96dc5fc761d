// Orders CSVs whose structure is broken, and a database that fills up: `ctr orders load` names the
// real fault (the line a quote opens, the column given twice, the full disk) instead of counting
// rows it never read, guessing a column, or reporting what went wrong while cleaning up.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ORDER_ITEMS_CSV_COLUMNS, ORDERS_CSV_COLUMNS } from "@ctr/schemas";
import { openOrdersDatabase } from "@ctr/workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCtr } from "./support/ctr_in_process.ts";

const DAY = "2016-03-02";
const order = (id: number, city = "Recife", device = "iOS") =>
  `${id},7,${DAY} 10:00:00,50.00,0,50.00,complete,pix,0,PAC,${city},PE,direct,${device}`;
const ITEMS_HEADER = ORDER_ITEMS_CSV_COLUMNS.join(",");

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "ctr-orders-structure-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Writes the two CSVs under a fresh folder and loads them into a fresh SQLite database there. */
async function load(name: string, orders: string[], items: string[] = [ITEMS_HEADER]) {
  const at = path.join(dir, name);
  mkdirSync(at);
  const files = { orders: path.join(at, "orders.csv"), items: path.join(at, "order_items.csv") };
  writeFileSync(files.orders, `${orders.join("\n")}\n`);
  writeFileSync(files.items, `${items.join("\n")}\n`);
  const url = `sqlite://${path.join(at, "orders.sqlite")}`;
  const run = await runCtr(["orders", "load", "--orders", files.orders, "--items", files.items], {
    CTR_DATA_DIR: at,
    ORDERS_DATABASE_URL: url,
  });
  return { ...run, files, url };
}

async function storedOrderIds(url: string): Promise<string[]> {
  const db = await openOrdersDatabase(url);
  try {
    return (await db.kysely.selectFrom("orders").select("id").orderBy("id").execute()).map((row) => String(row.id));
  } finally {
    await db.close();
  }
}

describe("a quote that breaks the CSV's structure", () => {
  it("an unterminated quote: names the line it opens on and the lines it swallowed, exit 1", async () => {
    const run = await load("unterminated", [
      ORDERS_CSV_COLUMNS.join(","),
      order(1), // 2
      order(2, '"Sao Paulo'), // 3: the quote never closes
      order(3), // 4
      order(4), // 5
    ]);
    expect(run.stderr).toContain(
      `${run.files.orders}:3: a quoted field opens on this line and its quote is never closed`,
    );
    expect(run.stderr).toContain("lines 3 to 5");
    expect(run.stderr).toContain("before it 1 row read (1 stored, 0 rejected), nothing from it on");
    expect(run.stdout).not.toContain("2 read");
    expect(run.code).toBe(1);
    expect(await storedOrderIds(run.url)).toEqual(["1"]);
  });

  it("text after a closing quote: names the line, exit 1", async () => {
    const run = await load("closing", [
      ORDERS_CSV_COLUMNS.join(","),
      order(1), // 2
      order(2), // 3
      order(3, '"Sao" Paulo'), // 4: text after the closing quote
      order(4), // 5
    ]);
    expect(run.stderr).toContain(`${run.files.orders}:4: a quoted field's closing quote is followed by more text`);
    expect(run.stderr).toContain("before it 2 rows read (2 stored, 0 rejected)");
    expect(run.code).toBe(1);
    expect(await storedOrderIds(run.url)).toEqual(["1", "2"]);
  });

  it("an unterminated quote in the header: names line 1, not an empty file", async () => {
    const run = await load("header", [`${ORDERS_CSV_COLUMNS.join(",")},"note`, order(1)]);
    expect(run.stderr).toContain(
      `${run.files.orders}:1: a quoted field opens on this line and its quote is never closed`,
    );
    expect(run.stderr).not.toContain("empty");
    expect(run.code).toBe(1);
  });

  it("an unterminated quote right after a rejected row: still names the line it opens on", async () => {
    const run = await load("after-reject", [
      ORDERS_CSV_COLUMNS.join(","),
      order(1), // 2
      order(2, 'Sao "Paulo'), // 3: rejected, the load goes on
      order(3, '"Natal'), // 4: the quote never closes
      order(4), // 5
    ]);
    expect(run.stderr).toContain(
      `${run.files.orders}:4: a quoted field opens on this line and its quote is never closed`,
    );
    expect(run.stderr).toContain("before it 2 rows read (1 stored, 1 rejected)");
    expect(run.code).toBe(1);
    expect(await storedOrderIds(run.url)).toEqual(["1"]);
  });

  it("a quote inside an unquoted field costs only its row", async () => {
    const run = await load("inner", [ORDERS_CSV_COLUMNS.join(","), order(1), order(2, 'Sao "Paulo'), order(3)]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("orders:      3 read, 2 loaded, 0 updated, 0 unchanged, 1 rejected");
    expect(run.stdout).toContain(`${run.files.orders}:3: unreadable CSV`);
  });
});

describe("a header that names a column twice", () => {
  it.each([
    ["orders.csv", "device_type", "orders", 14, 15],
    ["order_items.csv", "code_color", "items", 5, 6],
  ] as const)(
    "%s with %s twice is refused before anything loads, naming both columns",
    async (_f, column, which, a, b) => {
      const orders =
        which === "orders"
          ? [`${ORDERS_CSV_COLUMNS.join(",")},device_type`, `${order(1)},Android`]
          : [ORDERS_CSV_COLUMNS.join(","), order(1)];
      const items = which === "items" ? [`${ITEMS_HEADER},code_color`, "10,1,S,1,AAA,BBB"] : [ITEMS_HEADER];
      const run = await load(`twice-${column}`, orders, items);
      const file = which === "orders" ? run.files.orders : run.files.items;
      expect(run.stderr).toContain(`${file}: the header has ${column} twice (columns ${a} and ${b})`);
      expect(run.code).toBe(1);
      if (which === "orders") expect(await storedOrderIds(run.url)).toEqual([]);
    },
  );
});

describe("an orders database whose disk fills up during the load", () => {
  let mount: string | undefined;
  let skipReason: string | undefined;
  beforeAll(() => {
    mount = path.join(dir, "small-disk");
    mkdirSync(mount);
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", mount], { stdio: "pipe" });
    } catch (error) {
      skipReason = `cannot mount a tmpfs here: ${(error as Error).message}`;
      mount = undefined;
    }
  });
  afterAll(() => {
    if (mount) execFileSync("umount", [mount]);
  });

  it("reports the full disk, not the failed clean-up, and keeps whole batches only", async (context) => {
    if (!mount) return context.skip(skipReason);
    const at = path.join(dir, "full");
    mkdirSync(at);
    const files = { orders: path.join(at, "orders.csv"), items: path.join(at, "order_items.csv") };
    const rows = Array.from({ length: 20_000 }, (_, i) => order(i + 1, `City number ${i} with a long enough name`));
    writeFileSync(files.orders, `${[ORDERS_CSV_COLUMNS.join(","), ...rows].join("\n")}\n`);
    writeFileSync(files.items, `${ITEMS_HEADER}\n`);
    const url = `sqlite://${path.join(mount, "orders.sqlite")}`;
    const run = await runCtr(["orders", "load", "--orders", files.orders, "--items", files.items], {
      CTR_DATA_DIR: at,
      ORDERS_DATABASE_URL: url,
    });
    expect(run.stderr).not.toContain("no transaction is active");
    expect(run.stderr).toMatch(/disk is full/);
    expect(run.stderr).toContain(files.orders);
    expect(run.code).toBe(1);
    // What was stored is whole batches of 2,000 rows.
    const stored = await storedOrderIds(url);
    expect(stored.length % 2_000).toBe(0);
    expect(stored.length).toBeLessThan(20_000);
  });
});
