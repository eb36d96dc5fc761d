import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type OrdersDatabase, openOrdersDatabase } from "@ctr/workers";
import mysql from "mysql2/promise";
import pg from "pg";
import { afterAll, beforeAll } from "vitest";

/** The three orders databases every purchases rule runs against. */
export const DATABASE_KINDS = ["sqlite", "mariadb", "postgres"] as const;
export type DatabaseKind = (typeof DATABASE_KINDS)[number];

/** A fresh, uniquely named orders database: its URL, and how to drop it. */
export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

const MARIADB = { host: "127.0.0.1", port: 3306, user: "root" };
const POSTGRES = { host: "127.0.0.1", port: 5432, user: "postgres", database: "postgres" };

/**
 * Creates an empty orders database of the kind: a SQLite file in a temp folder, or a uniquely
 * named database on the loopback MariaDB / PostgreSQL (trust auth, no password).
 */
export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  // Letters, digits and _ only: the name is spliced into CREATE DATABASE, which takes no parameters.
  const name = `ctr_test_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
  switch (kind) {
    case "sqlite": {
      const dir = mkdtempSync(path.join(tmpdir(), "ctr-orders-"));
      return {
        url: `sqlite://${path.join(dir, "orders.sqlite")}`,
        drop: async () => rmSync(dir, { recursive: true, force: true }),
      };
    }
    case "mariadb": {
      const admin = await mysql.createConnection(MARIADB);
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      return {
        url: `mysql://${MARIADB.user}@${MARIADB.host}:${MARIADB.port}/${name}`,
        drop: async () => {
          const conn = await mysql.createConnection(MARIADB);
          await conn.query(`DROP DATABASE IF EXISTS ${name}`);
          await conn.end();
        },
      };
    }
    case "postgres": {
      const admin = new pg.Client(POSTGRES);
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      return {
        url: `postgres://${POSTGRES.user}@${POSTGRES.host}:${POSTGRES.port}/${name}`,
        drop: async () => {
          const conn = new pg.Client(POSTGRES);
          await conn.connect();
          await conn.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          await conn.end();
        },
      };
    }
  }
}

/** A fresh orders database, opened; `close()` closes and drops it. */
interface OpenTestDatabase {
  db: OrdersDatabase;
  close(): Promise<void>;
}

/** Creates a fresh orders database of the kind (createTestDatabase) and opens it as the CLI would. */
async function openTestDatabase(kind: DatabaseKind): Promise<OpenTestDatabase> {
  const database = await createTestDatabase(kind);
  let db: OrdersDatabase;
  try {
    db = await openOrdersDatabase(database.url);
  } catch (error) {
    await database.drop();
    throw error;
  }
  return {
    db,
    close: async () => {
      await db.close();
      await database.drop();
    },
  };
}

/**
 * A fresh orders database of the kind for the enclosing describe block: opened in a beforeAll hook
 * (registered here, so it runs before the block's own), closed and dropped in an afterAll hook.
 * `db` is the open database, for the block's hooks and tests.
 */
export function useTestDatabase(kind: DatabaseKind): { readonly db: OrdersDatabase } {
  let opened: OpenTestDatabase | undefined;
  beforeAll(async () => {
    opened = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await opened?.close();
  });
  return {
    get db(): OrdersDatabase {
      if (!opened) throw new Error(`the ${kind} test database is not open outside its describe block's tests`);
      return opened.db;
    },
  };
}

/**
 * Purchases per `platform product` of the GMT-3 day [day 00:00:00, next 00:00:00), counted
 * straight in the orders database: the independent answer a purchase sync must reproduce.
 */
export async function countPurchasesDirectly(
  db: OrdersDatabase,
  day: string,
  next: string,
): Promise<Record<string, number>> {
  const rows = await db.all(
    `SELECT CASE LOWER(o.device_type) WHEN 'ios' THEN 'iOS' WHEN 'android' THEN 'Android' ELSE 'MobileWeb' END AS platform,
            i.code_color AS product, COUNT(*) AS n
     FROM order_items i JOIN orders o ON o.id = i.order_id
     WHERE o.order_date >= ? AND o.order_date < ? AND LOWER(o.device_type) IN ('ios', 'android', 'mobileweb')
     GROUP BY 1, 2`,
    [`${day} 00:00:00`, `${next} 00:00:00`],
  );
  return Object.fromEntries(rows.map((row) => [`${row.platform} ${row.product}`, Number(row.n)]));
}
