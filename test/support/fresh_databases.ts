import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import mysql from "mysql2/promise";
import pg from "pg";
import { serviceAddress } from "./service_addresses.ts";

/** The three orders databases every purchases rule runs against. */
export const DATABASE_KINDS = ["sqlite", "mariadb", "postgres"] as const;
export type DatabaseKind = (typeof DATABASE_KINDS)[number];

/** A fresh, uniquely named orders database: its URL, and how to drop it. */
export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** The server's URL with another database (path) in it. */
function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * Creates an empty orders database of the kind: a SQLite file in a temp folder, or a uniquely
 * named database on the MariaDB / PostgreSQL the tests use (CTR_TEST_MARIADB_URL, CTR_TEST_POSTGRES_URL;
 * by default loopback, trust auth, no password). Used by the tests
 * and by the orders benchmark, so it imports nothing of vitest.
 */
export async function createTestDatabase(kind: DatabaseKind, prefix = "ctr_test"): Promise<TestDatabase> {
  // Letters, digits and _ only: the name is spliced into CREATE DATABASE, which takes no parameters.
  if (!/^[a-z_]+$/.test(prefix)) throw new Error(`database prefix wants letters and _, got '${prefix}'`);
  const name = `${prefix}_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
  switch (kind) {
    case "sqlite": {
      const dir = mkdtempSync(path.join(tmpdir(), "ctr-orders-"));
      return {
        url: `sqlite://${path.join(dir, "orders.sqlite")}`,
        drop: async () => rmSync(dir, { recursive: true, force: true }),
      };
    }
    case "mariadb": {
      const server = serviceAddress("mariadb");
      const admin = await mysql.createConnection({ uri: server });
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      return {
        url: withDatabase(server, name),
        drop: async () => {
          const conn = await mysql.createConnection({ uri: server });
          await conn.query(`DROP DATABASE IF EXISTS ${name}`);
          await conn.end();
        },
      };
    }
    case "postgres": {
      const server = serviceAddress("postgres");
      const admin = new pg.Client({ connectionString: server });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      return {
        url: withDatabase(server, name),
        drop: async () => {
          const conn = new pg.Client({ connectionString: server });
          await conn.connect();
          await conn.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          await conn.end();
        },
      };
    }
  }
}
