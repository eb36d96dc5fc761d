// What a new user or operator reads when the set-up is wrong, from the real built `ctr`: the error
// names the variable to fix and says how; the ClickHouse client's own logs are pino lines, like
// every other log line of the process.
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import mysql from "mysql2/promise";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { startClickHouseServer } from "./support/clickhouse_server.ts";
import { runCtr } from "./support/ctr_process.ts";
import { freePort } from "./support/free_port.ts";
import { needs, serviceAddress } from "./support/services.ts";

const dir = mkdtempSync(path.join(tmpdir(), "ctr-setup-errors-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ORDERS = path.join(dir, "orders.csv");
const ITEMS = path.join(dir, "order_items.csv");
writeFileSync(
  ORDERS,
  "id,user_id,order_date,order_subtotal,order_discount,order_total,order_status,payment_type,shipping_cost,shipping_service,address_city,address_state,utm_source_medium,device_type\n" +
    "1,5,2016-02-01 10:00:00,10,0,10,complete,pix,0,PAC,Natal,RN,direct,iOS\n",
);
writeFileSync(ITEMS, "id,order_id,sku,quantity,code_color\n1,1,A,1,20000091_057\n");

describe("ctr migrate with an unreachable CLICKHOUSE_URL", () => {
  it("fails (exit 1) naming CLICKHOUSE_URL, and the client's logs are pino JSON lines, not its plain text", async () => {
    const port = await freePort();
    const { code, stderr } = await runCtr(["migrate"], {
      CTR_DATA_DIR: path.join(dir, "data"),
      CLICKHOUSE_URL: `http://127.0.0.1:${port}`,
    });
    expect(code).toBe(1);
    const lines = stderr.trimEnd().split("\n");
    expect(lines.at(-1)).toBe(
      `ctr migrate: cannot reach ClickHouse at 127.0.0.1:${port} (CLICKHOUSE_URL): connect ECONNREFUSED 127.0.0.1:${port}`,
    );
    expect(stderr).not.toContain("[@clickhouse/client]");
    expect(stderr).not.toContain("Caused by");
    for (const line of lines.slice(0, -1)) {
      expect(JSON.parse(line)).toMatchObject({ component: "@clickhouse/client" });
    }
  });
});

describe("ctr migrate with a login ClickHouse refuses", () => {
  it("fails (exit 1) naming CLICKHOUSE_USER and CLICKHOUSE_PASSWORD and the server", async () => {
    const server = await startClickHouseServer({ user: "ctr", password: "right" });
    try {
      const { code, stderr } = await runCtr(["migrate"], {
        CTR_DATA_DIR: path.join(dir, "data"),
        CLICKHOUSE_URL: server.url,
        CLICKHOUSE_USER: "ctr",
        CLICKHOUSE_PASSWORD: "wrong",
      });
      expect(code).toBe(1);
      expect(stderr.trimEnd().split("\n").at(-1)).toContain(
        `ctr migrate: ClickHouse at ${new URL(server.url).host} refused the login of user "ctr" (CLICKHOUSE_USER, CLICKHOUSE_PASSWORD): `,
      );
      expect(stderr).not.toContain("wrong");
    } finally {
      await server.close();
    }
  });
});

/** Runs the SQL the hint quotes (between the single quotes after -c or -e) on the server. */
async function runHintedStatement(kind: "postgres" | "mariadb", hint: string): Promise<void> {
  const statement = /(?:-c|-e) '([^']+)'/.exec(hint)?.[1];
  expect(statement).toMatch(/^CREATE DATABASE /);
  if (kind === "postgres") {
    const client = new pg.Client({ connectionString: serviceAddress("postgres") });
    await client.connect();
    await client.query(statement ?? "").finally(() => client.end());
  } else {
    const connection = await mysql.createConnection({ uri: serviceAddress("mariadb") });
    await connection.query(statement ?? "").finally(() => connection.end());
  }
}

async function dropDatabase(kind: "postgres" | "mariadb", name: string): Promise<void> {
  if (kind === "postgres") {
    const client = new pg.Client({ connectionString: serviceAddress("postgres") });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).finally(() => client.end());
  } else {
    const connection = await mysql.createConnection({ uri: serviceAddress("mariadb") });
    await connection.query(`DROP DATABASE IF EXISTS \`${name}\``).finally(() => connection.end());
  }
}

describe.each([
  ["postgres", "does not exist"],
  ["mariadb", "Unknown database"],
] as const)("an ORDERS_DATABASE_URL on %s naming a database that does not exist", (kind, serverSays) => {
  it(
    "fails naming ORDERS_DATABASE_URL with the statement that creates it; once run, the load works",
    needs(kind),
    async () => {
      const name = `ctr_missing_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
      const url = new URL(serviceAddress(kind));
      url.pathname = `/${name}`;
      const env = { CTR_DATA_DIR: path.join(dir, `data-${kind}`), ORDERS_DATABASE_URL: url.toString() };
      try {
        const refused = await runCtr(["orders", "load", "--orders", ORDERS, "--items", ITEMS], env);
        expect(refused.code).toBe(1);
        expect(refused.stderr).toContain(serverSays);
        expect(refused.stderr).toContain("Create the database ORDERS_DATABASE_URL names first");
        await runHintedStatement(kind, refused.stderr);
        const loaded = await runCtr(["orders", "load", "--orders", ORDERS, "--items", ITEMS], env);
        expect(loaded.stderr).toBe("");
        expect(loaded.code).toBe(0);
      } finally {
        await dropDatabase(kind, name);
      }
    },
  );
});
