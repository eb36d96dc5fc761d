// The test stand-in for a ClickHouse server (support/clickhouse_http_server.ts), through the client
// the product uses (@clickhouse/client) and through plain HTTP where the wire itself is the point:
// what the server-mode test run relies on must hold here first.
import { gzipSync } from "node:zlib";
import { type ClickHouseClient, ClickHouseError, ClickHouseLogLevel, createClient } from "@clickhouse/client";
import { migrate, queryRows } from "@ctr/schemas";
import { openStore } from "@ctr/workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type ClickHouseServer, startClickHouseServer } from "./support/clickhouse_server.ts";

const USER = "ctr";
const PASSWORD = "stand-in secret";
const AUTH = { Authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString("base64")}` };

let server: ClickHouseServer;
let client: ClickHouseClient;

/** A client as the product configures one (schemas/src/clickhouse/store.ts), on `database`. */
const clientOn = (database?: string, password = PASSWORD) =>
  createClient({
    url: server.url,
    username: USER,
    password,
    database,
    compression: { request: true, response: true },
    // The error tests fail on purpose; the client would log each failure too.
    log: { level: ClickHouseLogLevel.OFF },
  });

/** Raw HTTP to the stand-in, authenticated, with URL parameters. */
const http = (params: Record<string, string>, init: RequestInit = {}) =>
  fetch(`${server.url}/?${new URLSearchParams(params)}`, { ...init, headers: { ...AUTH, ...init.headers } });

async function expectClickHouseError(work: Promise<unknown>, code: string, type: string): Promise<ClickHouseError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ClickHouseError);
  expect(error).toMatchObject({ code, type });
  return error as ClickHouseError;
}

beforeAll(async () => {
  server = await startClickHouseServer({ user: USER, password: PASSWORD });
  client = clientOn();
  await client.command({ query: "CREATE DATABASE stand_in" });
  await client.command({
    query: "CREATE TABLE stand_in.items (id UInt64, name String, day Date) ENGINE = MergeTree ORDER BY id",
  });
});

afterAll(async () => {
  await client?.close();
  await server?.close();
});

describe("the ClickHouse stand-in, happy path", () => {
  it("answers /ping and the client's ping", async () => {
    const response = await fetch(`${server.url}/ping`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("Ok.\n");
    expect(await client.ping()).toEqual({ success: true });
  });

  it("inserts gzip-compressed rows on the client's database and reads them back, 64-bit ids exact", async () => {
    const onDatabase = clientOn("stand_in");
    try {
      const inserted = await onDatabase.insert({
        table: "items",
        format: "JSONEachRow",
        values: [
          { id: "18446744073709551615", name: "max", day: "2016-02-01" },
          { id: "9007199254740993", name: "past 2^53", day: "2016-02-02" },
        ],
      });
      expect(inserted.summary?.written_rows).toBe("2");
      const result = await onDatabase.query({
        query: "SELECT id, name, toString(day) AS day, currentDatabase() AS db FROM items ORDER BY id",
        format: "JSONEachRow",
        clickhouse_settings: { output_format_json_quote_64bit_integers: 1 },
      });
      expect(await result.json()).toEqual([
        { id: "9007199254740993", name: "past 2^53", day: "2016-02-02", db: "stand_in" },
        { id: "18446744073709551615", name: "max", day: "2016-02-01", db: "stand_in" },
      ]);
    } finally {
      await onDatabase.close();
    }
  });

  it("binds param_* values exactly, quotes, backslashes, tabs and newlines included", async () => {
    const text = "it's a \\ back\tslash\nand a line";
    const result = await client.query({
      query: `SELECT {text:String} AS text, {big:UInt64} AS big, {day:Date} AS day, {names:Array(String)} AS names`,
      query_params: { text, big: "18446744073709551615", day: "2016-02-29", names: ["a'b", "c\\d"] },
      format: "JSONEachRow",
      clickhouse_settings: { output_format_json_quote_64bit_integers: 1 },
    });
    expect(await result.json()).toEqual([
      { text, big: "18446744073709551615", day: "2016-02-29", names: ["a'b", "c\\d"] },
    ]);
  });

  it("applies URL settings to their own query only", async () => {
    const setting = async (settings?: Record<string, number>) => {
      const result = await client.query({
        query: "SELECT toString(getSetting('max_block_size')) AS value",
        format: "JSONEachRow",
        clickhouse_settings: settings,
      });
      return ((await result.json()) as { value: string }[])[0]?.value;
    };
    const before = await setting();
    expect(await setting({ max_block_size: 1234 })).toBe("1234");
    expect(await setting()).toBe(before);
    expect(before).not.toBe("1234");
  });

  it("keeps parallel queries apart: each gets its own parameters and database", async () => {
    const onDatabase = clientOn("stand_in");
    try {
      const answers = await Promise.all(
        Array.from({ length: 12 }, async (_, i) => {
          const target = i % 2 === 0 ? client : onDatabase;
          const result = await target.query({
            query: "SELECT {i:UInt32} AS i, currentDatabase() AS db",
            query_params: { i },
            format: "JSONEachRow",
          });
          return (await result.json())[0];
        }),
      );
      expect(answers).toEqual(Array.from({ length: 12 }, (_, i) => ({ i, db: i % 2 === 0 ? "default" : "stand_in" })));
    } finally {
      await onDatabase.close();
    }
  });

  it("sends the X-ClickHouse headers, honours default_format and query_id, and gzips when asked", async () => {
    const response = await http(
      { default_format: "JSONEachRow", query_id: "stand-in-q1", enable_http_compression: "1" },
      {
        method: "POST",
        body: "SELECT toUInt8(number) AS n FROM system.numbers LIMIT 3",
        headers: { "Accept-Encoding": "gzip" },
      },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("x-clickhouse-query-id")).toBe("stand-in-q1");
    expect(response.headers.get("x-clickhouse-format")).toBe("JSONEachRow");
    expect(response.headers.get("content-encoding")).toBe("gzip");
    expect(JSON.parse(response.headers.get("x-clickhouse-summary") ?? "{}")).toMatchObject({ read_rows: "3" });
    // fetch decodes the gzip body itself.
    expect(await response.text()).toBe('{"n":0}\n{"n":1}\n{"n":2}\n');
  });

  it("takes an insert as the query parameter plus gzip-compressed rows in the body", async () => {
    const response = await http(
      { query: "INSERT INTO stand_in.items (id, name, day) FORMAT CSV" },
      {
        method: "POST",
        body: gzipSync("7,seven,2016-03-01\n8,eight,2016-03-02\n"),
        headers: { "Content-Encoding": "gzip" },
      },
    );
    expect(response.status).toBe(200);
    expect(JSON.parse(response.headers.get("x-clickhouse-summary") ?? "{}")).toMatchObject({ written_rows: "2" });
    const [row] = await queryRows(client, {
      name: "stand_in_test.count",
      query: "SELECT count() AS n FROM stand_in.items WHERE id IN (7, 8)",
      schema: z.object({ n: z.coerce.number() }),
    });
    expect(row?.n).toBe(2);
  });

  it("serves the product's store: openStore with credentials creates the database and migrates it", async () => {
    const store = openStore({
      kind: "server",
      url: server.url,
      username: USER,
      password: PASSWORD,
      database: "ctr_it",
    });
    try {
      await migrate(store);
      const tables = await queryRows(store.client, {
        name: "stand_in_test.tables",
        query: "SELECT name FROM system.tables WHERE database = currentDatabase() ORDER BY name",
        schema: z.object({ name: z.string() }),
      });
      expect(tables.map((t) => t.name)).toContain("product_views_per_minute_v1");
    } finally {
      await store.close();
    }
  });
});

describe("the ClickHouse stand-in, errors", () => {
  it("reports an unknown table as the server does: 404, the exception code header and body", async () => {
    await expectClickHouseError(client.query({ query: "SELECT * FROM stand_in.nope" }), "60", "UNKNOWN_TABLE");
    const response = await http({ query: "SELECT * FROM stand_in.nope" });
    expect(response.status).toBe(404);
    expect(response.headers.get("x-clickhouse-exception-code")).toBe("60");
    expect(await response.text()).toMatch(/^Code: 60\. DB::Exception: .*\(UNKNOWN_TABLE\) \(version \d+\.[\d.]+\)\n$/s);
  });

  it("answers a syntax error with 400 and code 62, and an empty POST with 'Empty query'", async () => {
    const response = await http({}, { method: "POST", body: "SELEC 1" });
    expect(response.status).toBe(400);
    expect(response.headers.get("x-clickhouse-exception-code")).toBe("62");
    const empty = await http({}, { method: "POST", body: "" });
    expect(await empty.text()).toMatch(/^Code: 62\. DB::Exception: Empty query\. \(SYNTAX_ERROR\)/);
  });

  it("runs GET read-only, as a server does", async () => {
    const read = await http({ query: "SELECT 1" });
    expect(await read.text()).toBe("1\n");
    const write = await http({ query: "CREATE TABLE stand_in.by_get (a UInt8) ENGINE = Memory" });
    expect(write.status).toBe(500);
    expect(write.headers.get("x-clickhouse-exception-code")).toBe("164");
  });

  it("refuses sessions rather than ignoring them", async () => {
    const response = await http({ query: "SELECT 1", session_id: "s1" });
    expect(response.status).toBe(501);
    expect(await response.text()).toContain("session_id");
  });
});

describe("the ClickHouse stand-in, credentials", () => {
  it("refuses a wrong password with AUTHENTICATION_FAILED, and no credentials likewise", async () => {
    const wrong = clientOn(undefined, "not it");
    try {
      await expectClickHouseError(wrong.query({ query: "SELECT 1" }), "516", "AUTHENTICATION_FAILED");
    } finally {
      await wrong.close();
    }
    const anonymous = await fetch(`${server.url}/?query=SELECT%201`);
    expect(anonymous.status).toBe(403);
    expect(anonymous.headers.get("x-clickhouse-exception-code")).toBe("516");
  });

  it("accepts the X-ClickHouse-User/Key headers and the user/password parameters too", async () => {
    const byHeaders = await fetch(`${server.url}/?query=SELECT%202`, {
      headers: { "X-ClickHouse-User": USER, "X-ClickHouse-Key": PASSWORD },
    });
    expect(await byHeaders.text()).toBe("2\n");
    const byParams = await fetch(
      `${server.url}/?${new URLSearchParams({ query: "SELECT 3", user: USER, password: PASSWORD })}`,
    );
    expect(await byParams.text()).toBe("3\n");
  });
});

describe("the ClickHouse stand-in's process", () => {
  it("stops on close and frees its port", async () => {
    const other = await startClickHouseServer();
    expect((await fetch(`${other.url}/ping`)).status).toBe(200);
    await other.close();
    await expect(fetch(`${other.url}/ping`)).rejects.toThrow();
  });
});
