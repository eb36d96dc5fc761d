/**
 * What the orders part compares the product with, written without the product's code so that the
 * baseline stays the same across the product's changes: each database's own CSV import (its
 * command-line client) into the same tables, and the sync's grouped query through the bare driver.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import Database from "better-sqlite3";
import mysql from "mysql2/promise";
import pg from "pg";
import type { DatabaseKind } from "../../test/support/fresh_databases.ts";
import type { OrdersInput } from "./input.ts";

/** The product's orders schema, per database (workers/src/orders' migrations, spelled out). */
function schema(kind: DatabaseKind): string[] {
  const [id, dateTime, money] =
    kind === "sqlite"
      ? ["INTEGER", "TEXT", "NUMERIC"]
      : kind === "mariadb"
        ? ["BIGINT", "DATETIME", "DECIMAL(14,2)"]
        : ["BIGINT", "TIMESTAMP WITHOUT TIME ZONE", "NUMERIC(14,2)"];
  const text = "VARCHAR(255)";
  return [
    `CREATE TABLE orders (id ${id} PRIMARY KEY, user_id ${id} NOT NULL, order_date ${dateTime} NOT NULL,
       order_subtotal ${money}, order_discount ${money}, order_total ${money}, order_status ${text},
       payment_type ${text}, shipping_cost ${money}, shipping_service ${text}, address_city ${text},
       address_state ${text}, utm_source_medium ${text}, device_type ${text} NOT NULL)`,
    `CREATE TABLE order_items (id ${id} PRIMARY KEY, order_id ${id} NOT NULL, sku ${text},
       quantity INTEGER NOT NULL, code_color ${text} NOT NULL)`,
    "CREATE INDEX orders_order_date ON orders (order_date)",
    "CREATE INDEX order_items_order_id ON order_items (order_id)",
  ];
}

/** Quotes a path for SQL text. Paths are the bench's own files, never user input. */
const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** The SQLite file of a `sqlite:///path` URL. */
const sqliteFile = (url: string) => decodeURIComponent(new URL(url).pathname);

/**
 * Creates the tables in the empty database `url` names and imports both CSVs with the database's
 * own client: `sqlite3 .import`, `mariadb`'s `LOAD DATA LOCAL INFILE`, `psql`'s `\copy`. Returns the
 * wall time of the imports (the clients' start-up, a few ms, included).
 */
export async function importWithClient(kind: DatabaseKind, url: string, input: OrdersInput): Promise<number> {
  const run = promisify(execFile);
  const tables: [string, string][] = [
    ["orders", input.ordersFile],
    ["order_items", input.itemsFile],
  ];
  const parsed = new URL(url);
  const database = parsed.pathname.slice(1);
  switch (kind) {
    case "sqlite": {
      const file = sqliteFile(url);
      // The product's pragmas (WAL, synchronous NORMAL); .import runs in one transaction.
      const setup = ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL", ...schema(kind)].join(";\n");
      await run("sqlite3", [file, setup]);
      const started = performance.now();
      await run("sqlite3", [file, ...tables.map(([table, csv]) => `.import --csv --skip 1 ${csv} ${table}`)]);
      return performance.now() - started;
    }
    case "mariadb": {
      const client = ["-u", parsed.username, "-h", parsed.hostname, "-P", parsed.port || "3306", database];
      await run("mariadb", [...client, "-e", schema(kind).join(";\n")]);
      const load = tables.map(
        ([table, csv]) =>
          `LOAD DATA LOCAL INFILE ${quote(csv)} INTO TABLE ${table} FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '"' LINES TERMINATED BY '\\r\\n' IGNORE 1 LINES`,
      );
      const started = performance.now();
      await run("mariadb", ["--local-infile=1", ...client, "-e", load.join(";\n")]);
      return performance.now() - started;
    }
    case "postgres": {
      const client = ["-v", "ON_ERROR_STOP=1", "-q", url];
      await run("psql", [...client, "-c", schema(kind).join(";\n")]);
      const started = performance.now();
      for (const [table, csv] of tables) {
        await run("psql", [...client, "-c", `\\copy ${table} FROM ${quote(csv)} WITH (FORMAT csv, HEADER true)`]);
      }
      return performance.now() - started;
    }
  }
}

/** The sync's query (extract_purchases.ts): a GMT-3 day's items grouped by minute, device type and product. */
function groupedQuery(kind: DatabaseKind, placeholders: [string, string]): string {
  const minute =
    kind === "sqlite"
      ? "substr(o.order_date, 1, 16)"
      : kind === "mariadb"
        ? "DATE_FORMAT(o.order_date, '%Y-%m-%d %H:%i')"
        : "to_char(o.order_date, 'YYYY-MM-DD HH24:MI')";
  return `SELECT ${minute} AS minute, o.device_type AS device_type, i.code_color AS product, COUNT(*) AS items, 0 AS excluded
          FROM orders o JOIN order_items i ON i.order_id = o.id
          WHERE o.order_date >= ${placeholders[0]} AND o.order_date < ${placeholders[1]}
          GROUP BY 1, 2, 3`;
}

/**
 * Runs the sync's grouped query for each day through the bare driver, every row fetched at once,
 * `repeats` times. Returns the items counted (the sum of the groups), which must match the sync's,
 * and the best time of the queries alone (the connection is opened before).
 */
export async function queryWithDriver(
  kind: DatabaseKind,
  url: string,
  days: readonly [string, string][],
  repeats: number,
): Promise<{ items: number; groups: number; elapsedMs: number }> {
  const run = await openDriverQuery(kind, url);
  let best = { items: 0, groups: 0, elapsedMs: Number.POSITIVE_INFINITY };
  try {
    for (let i = 0; i < repeats; i++) {
      const started = performance.now();
      let items = 0;
      let groups = 0;
      for (const [from, to] of days) {
        const rows = await run.query(from, to);
        groups += rows.length;
        for (const row of rows) items += Number(row.items);
      }
      const elapsedMs = performance.now() - started;
      if (elapsedMs < best.elapsedMs) best = { items, groups, elapsedMs };
    }
  } finally {
    await run.close();
  }
  return best;
}

/** The grouped query of one day range on an open connection of the kind, and how to close it. */
async function openDriverQuery(kind: DatabaseKind, url: string) {
  type Rows = { items: unknown }[];
  switch (kind) {
    case "sqlite": {
      const db = new Database(sqliteFile(url), { readonly: true });
      const statement = db.prepare(groupedQuery(kind, ["?", "?"]));
      return {
        query: async (from: string, to: string) => statement.all(from, to) as Rows,
        close: async () => db.close(),
      };
    }
    case "mariadb": {
      const connection = await mysql.createConnection({ uri: url, dateStrings: true });
      return {
        query: async (from: string, to: string) =>
          (await connection.query(groupedQuery(kind, ["?", "?"]), [from, to]))[0] as Rows,
        close: () => connection.end(),
      };
    }
    case "postgres": {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      return {
        query: async (from: string, to: string) =>
          (await client.query(groupedQuery(kind, ["$1", "$2"]), [from, to])).rows as Rows,
        close: () => client.end(),
      };
    }
  }
}
