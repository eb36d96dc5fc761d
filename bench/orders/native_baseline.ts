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
 * Runs the sync's grouped query for each day through the bare driver, every row fetched at once.
 * Returns the items counted (the sum of the groups), which must match the sync's, and the time of
 * the queries alone (the connection is opened before).
 */
export async function queryWithDriver(kind: DatabaseKind, url: string, days: readonly [string, string][]) {
  let items = 0;
  let groups = 0;
  let elapsedMs = 0;
  const timed = async <T>(work: () => Promise<T> | T): Promise<T> => {
    const started = performance.now();
    const result = await work();
    elapsedMs += performance.now() - started;
    return result;
  };
  const add = (rows: { items: unknown }[]) => {
    groups += rows.length;
    for (const row of rows) items += Number(row.items);
  };
  switch (kind) {
    case "sqlite": {
      const db = new Database(sqliteFile(url), { readonly: true });
      const statement = db.prepare(groupedQuery(kind, ["?", "?"]));
      for (const [from, to] of days) add(await timed(() => statement.all(from, to) as { items: unknown }[]));
      db.close();
      break;
    }
    case "mariadb": {
      const connection = await mysql.createConnection({ uri: url, dateStrings: true });
      for (const [from, to] of days) {
        const [rows] = await timed(() => connection.query(groupedQuery(kind, ["?", "?"]), [from, to]));
        add(rows as { items: unknown }[]);
      }
      await connection.end();
      break;
    }
    case "postgres": {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      for (const [from, to] of days) {
        add((await timed(() => client.query(groupedQuery(kind, ["$1", "$2"]), [from, to]))).rows);
      }
      await client.end();
      break;
    }
  }
  return { items, groups, elapsedMs };
}
