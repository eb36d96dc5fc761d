/**
 * Two `ctr orders load` of the same files at once: both finish, SQLite's waits for the
 * other's write lock instead of failing, and what they report adds up to the rows, as each row was
 * written by one of them. The test holds the tables locked until both processes are blocked on
 * them, then lets them go together, so the loads really overlap.
 */
import { mkdtempSync, readdirSync, readlinkSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ORDER_ITEMS_CSV_COLUMNS, ORDERS_CSV_COLUMNS } from "@ctr/schemas";
import { migrateOrdersDatabase, openOrdersDatabase } from "@ctr/workers";
import Database from "better-sqlite3";
import mysql from "mysql2/promise";
import pg from "pg";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { startCtr } from "./support/ctr_process.ts";
import { createTestDatabase, type DatabaseKind, type TestDatabase } from "./support/fresh_databases.ts";
import { describeEachDatabase } from "./support/purchases_databases.ts";

/** Three batches of the loader's 2,000 rows per table. */
const ROWS = 6_000;

/** A lock on both tables held by the test, and how to tell that `pids` are waiting for it. */
interface HeldLock {
  waiting(pids: readonly number[]): Promise<number>;
  /** How long to keep holding once they wait. */
  holdMs: number;
  release(): Promise<void>;
}

async function holdTables(kind: DatabaseKind, url: string): Promise<HeldLock> {
  switch (kind) {
    case "sqlite": {
      const file = decodeURIComponent(new URL(url).pathname);
      const db = new Database(file);
      db.exec("BEGIN IMMEDIATE");
      // Nothing in SQLite lists who waits: a process that has the file open is past its start-up
      // and retrying the lock.
      const opened = (pid: number) => {
        try {
          return readdirSync(`/proc/${pid}/fd`).some((fd) => {
            try {
              return realpathSync(readlinkSync(`/proc/${pid}/fd/${fd}`)) === realpathSync(file);
            } catch {
              return false;
            }
          });
        } catch {
          return false;
        }
      };
      return {
        waiting: async (pids) => pids.filter(opened).length,
        // Longer than better-sqlite3's default busy timeout (5 s), after which a load used to fail
        // with "database is locked": the time is what this asserts about.
        holdMs: 6_000,
        release: async () => {
          db.exec("COMMIT");
          db.close();
        },
      };
    }
    case "postgres": {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query("BEGIN");
      await client.query("LOCK TABLE orders, order_items IN EXCLUSIVE MODE");
      return {
        holdMs: 0,
        waiting: async () => {
          // Inside a transaction pg_stat_activity keeps its first snapshot: take a fresh one.
          await client.query("SELECT pg_stat_clear_snapshot()");
          const { rows } = await client.query<{ n: string }>(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
          );
          return Number(rows[0]?.n);
        },
        release: async () => {
          await client.query("COMMIT");
          await client.end();
        },
      };
    }
    case "mariadb": {
      const connection = await mysql.createConnection({ uri: url });
      await connection.query("LOCK TABLES orders WRITE, order_items WRITE");
      return {
        holdMs: 0,
        waiting: async () => {
          const [rows] = await connection.query(
            "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND STATE LIKE 'Waiting for table%' AND ID <> CONNECTION_ID()",
          );
          return Number((rows as { n: number }[])[0]?.n);
        },
        release: async () => {
          await connection.query("UNLOCK TABLES");
          await connection.end();
        },
      };
    }
  }
}

let dir: string;
let files: { orders: string; items: string };

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "ctr-orders-concurrent-"));
  files = { orders: path.join(dir, "orders.csv"), items: path.join(dir, "order_items.csv") };
  const ids = Array.from({ length: ROWS }, (_, i) => i + 1);
  writeFileSync(
    files.orders,
    [
      ORDERS_CSV_COLUMNS.join(","),
      ...ids.map((id) => `${id},7,2016-02-01 10:00:00,50.00,0,50.00,complete,pix,0,PAC,Recife,PE,direct,iOS`),
    ].join("\n"),
  );
  writeFileSync(files.items, [ORDER_ITEMS_CSV_COLUMNS.join(","), ...ids.map((id) => `${id},${id},S,1,AAA`)].join("\n"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeEachDatabase("two ctr orders load at once on %s", (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
    // The tables exist before the test locks them.
    const db = await openOrdersDatabase(database.url);
    await migrateOrdersDatabase(db);
    await db.close();
  });
  afterAll(async () => database?.drop());

  it("both succeed, and their loaded and unchanged counts add up to the rows", async () => {
    const lock = await holdTables(kind, database.url);
    const env = { CTR_DATA_DIR: path.join(dir, kind), ORDERS_DATABASE_URL: database.url };
    const args = ["orders", "load", "--orders", files.orders, "--items", files.items];
    const loads = [startCtr(args, env), startCtr(args, env)];
    try {
      await vi.waitFor(
        async () => expect(await lock.waiting(loads.map((load) => load.pid))).toBeGreaterThanOrEqual(2),
        { timeout: 60_000, interval: 100 },
      );
      await new Promise((resolve) => setTimeout(resolve, lock.holdMs));
    } finally {
      await lock.release();
    }
    const results = await Promise.all(loads.map((load) => load.done));

    for (const result of results) {
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
    }
    for (const table of ["orders", "order_items"] as const) {
      const [a, b] = results.map((result) => printedCounts(result.stdout, table));
      expect([a?.loaded ?? 0, b?.loaded ?? 0].reduce((x, y) => x + y)).toBe(ROWS);
      expect([a?.unchanged ?? 0, b?.unchanged ?? 0].reduce((x, y) => x + y)).toBe(ROWS);
      expect([a?.updated, b?.updated]).toEqual([0, 0]);
    }
    const db = await openOrdersDatabase(database.url);
    try {
      const counted = await db.kysely
        .selectFrom("order_items")
        .select((eb) => eb.fn.countAll().as("n"))
        .executeTakeFirst();
      expect(Number(counted?.n)).toBe(ROWS);
    } finally {
      await db.close();
    }
  });
});

/** Reads `orders:      3 read, 2 loaded, ...` (or `order_items:`) back from a load's summary. */
function printedCounts(stdout: string, table: "orders" | "order_items") {
  const match = new RegExp(
    `^${table}:\\s+([\\d,]+) read, ([\\d,]+) loaded, ([\\d,]+) updated, ([\\d,]+) unchanged, ([\\d,]+) rejected$`,
    "m",
  ).exec(stdout);
  if (!match) throw new Error(`no ${table} counts in:\n${stdout}`);
  // Counts are printed with thousands separators.
  const [read, loaded, updated, unchanged, rejected] = match.slice(1).map((n) => Number(n.replaceAll(",", "")));
  return { read, loaded, updated, unchanged, rejected };
}
