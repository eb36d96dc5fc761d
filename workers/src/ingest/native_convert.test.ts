import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { viewTimeWindow } from "@ctr/schemas";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScanCounter } from "./engine_counts.ts";
import * as native from "./native_convert.ts";

const DAY = "2016-02-01";
const TEN_UTC = Date.UTC(2016, 1, 1, 10);
const event = (name: string, product: string, ts: string | number) =>
  `{"event_type":"custom_event","data":{"event_name":"${name}","timestamp_unixtime_ms":${ts},"event_id":679644799952992001,"custom_attributes":{"codeColor":${product}}}}`;
const view = (product: string, ts: string | number = TEN_UTC) => event("product", JSON.stringify(product), ts);
const batch = (...events: string[]) => `{"events":[${events.join(",")}],"mpid":196509116834317001}`;

let dir: string;
let instance: DuckDBInstance;
let connection: DuckDBConnection;
let counter: ScanCounter;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "ctr-native-convert-"));
  instance = await DuckDBInstance.create(":memory:", { threads: "2" });
  connection = await instance.connect();
  counter = await ScanCounter.attach(connection, path.join(dir, "profile.json"));
});

afterAll(async () => {
  connection?.closeSync();
  instance?.closeSync();
  await rm(dir, { recursive: true, force: true });
});

async function ndjson(name: string, lines: string[]): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, `${lines.join("\n")}\n`);
  return file;
}

const target = (name: string): native.ConvertTarget => ({
  window: viewTimeWindow(DAY),
  eventsParquet: path.join(dir, `${name}.parquet`),
});
const input = (file: string) => ({ path: file, shape: "newline_delimited" as const, maxObjectBytes: 16 * 1024 * 1024 });

async function products(parquet: string): Promise<string[]> {
  const reader = await connection.runAndReadAll("SELECT product FROM read_parquet($p)", { p: parquet });
  return reader.getRowObjectsJS().map((row) => String(row.product));
}

describe("convertSourceFile", () => {
  it("writes the views and counts batches and events from the one scan that writes them", async () => {
    const file = await ndjson("clean.ndjson", [
      batch(view("A"), event("home", '"A"', TEN_UTC), event("product", '"Q\\"uote\\u00e9"', TEN_UTC)),
      '{"events":[]}',
      batch(event("product", "123", TEN_UTC), event("product", '""', TEN_UTC), view("é")),
      batch(view("A")),
    ]);
    const counts = await native.convertSourceFile(counter, input(file), target("clean.ndjson"));
    expect(counts).toEqual({ batches: 4, events: 7, views: 4, refused: 0 });
    // A numeric or empty codeColor is no product; escapes are undone, other text kept as it is.
    expect(await products(target("clean.ndjson").eventsParquet)).toEqual(["A", 'Q"uoteé', "é", "A"]);
  });

  it("counts exactly when the engine reads one file on several threads", async () => {
    const lines = Array.from({ length: 60_000 }, (_, i) => (i % 3 === 2 ? '{"events":[]}' : batch(view(`P${i % 97}`))));
    const file = await ndjson("big.ndjson", lines);
    const counts = await native.convertSourceFile(counter, input(file), target("big.ndjson"));
    expect(counts).toEqual({ batches: 60_000, events: 40_000, views: 40_000, refused: 0 });
  });

  it.each([
    ["a batch without events", ['{"mpid":1}']],
    ["an event that is no object", ['{"events":[null]}']],
    ["a view outside the window", [batch(view("A"), view("B", "1e20"))]],
    ["a view with a string time", [batch(view("A", `"${TEN_UTC}"`))]],
    ["a view whose time is true", [batch(view("A", "true"))]],
    ["a view whose product holds U+FFFD", [batch(view("P\uFFFD"))]],
    ["a view whose product holds an escaped U+FFFD", [batch(event("product", '"P\\ufffd"', TEN_UTC))]],
  ])("stops at %s, flagged for the locator", async (_what, lines) => {
    const file = await ndjson("flagged.ndjson", [batch(view("A")), ...lines]);
    const failure = await native
      .convertSourceFile(counter, input(file), target("flagged.ndjson"))
      .catch((e: unknown) => e);
    expect(native.isFlagged(failure)).toBe(true);
  });

  it("lets the reader's own refusal through unflagged", async () => {
    const file = await ndjson("broken.ndjson", [batch(view("A")), '{"events":[}]']);
    const failure = await native
      .convertSourceFile(counter, input(file), target("broken.ndjson"))
      .catch((e: unknown) => e);
    expect([native.isInputError(failure), native.isFlagged(failure)]).toEqual([true, false]);
  });
});

describe("convertSourceGroup", () => {
  const files = {
    "g1.ndjson": [batch(view("A"), event("home", '"A"', TEN_UTC)), batch(view("B"), view('Q"uote'))],
    "g2.ndjson": [batch(event("home", '"A"', TEN_UTC)), '{"events":[]}'],
    "g3.ndjson": [batch(view("C"), view("D"), view("C"))],
  };

  it("gives each file of the group the views Parquet and the counts convertSourceFile gives it", async () => {
    const names = Object.keys(files) as (keyof typeof files)[];
    const inputs = await Promise.all(names.map((name) => ndjson(name, files[name])));
    const grouped = names.map((name) => ({ ...target(name), eventsParquet: path.join(dir, `${name}.group.parquet`) }));
    const counts = await native.convertSourceGroup(
      counter.connection,
      names.map((_, i) => ({ input: input(inputs[i] ?? ""), target: grouped[i] as native.ConvertTarget })),
      path.join(dir, "group-scratch"),
    );
    expect(counts).toEqual([
      { batches: 2, events: 4, views: 3, refused: 0 },
      { batches: 2, events: 1, views: 0, refused: 0 },
      { batches: 1, events: 3, views: 3, refused: 0 },
    ]);
    for (const [i, name] of names.entries()) {
      const single = await native.convertSourceFile(counter, input(inputs[i] ?? ""), target(name));
      expect(counts[i]).toEqual(single);
      const rows = async (parquet: string) =>
        JSON.stringify(
          (await connection.runAndReadAll("SELECT * FROM read_parquet($p)", { p: parquet })).getRowObjectsJson(),
        );
      expect(await rows(grouped[i]?.eventsParquet ?? ""), name).toEqual(await rows(target(name).eventsParquet));
    }
    expect(await products(grouped[0]?.eventsParquet ?? "")).toEqual(["A", "B", 'Q"uote']);
  });

  it("stops, flagged, when any file of the group holds a malformed record, and leaves no table behind", async () => {
    const good = await ndjson("g-good.ndjson", [batch(view("A"))]);
    const bad = await ndjson("g-bad.ndjson", [batch(view("A", `"${TEN_UTC}"`))]);
    const failure = await native
      .convertSourceGroup(
        counter.connection,
        [
          { input: input(good), target: target("g-good.ndjson") },
          { input: input(bad), target: target("g-bad.ndjson") },
        ],
        path.join(dir, "group-scratch-bad"),
      )
      .catch((e: unknown) => e);
    expect(native.isFlagged(failure)).toBe(true);
    const tables = await connection.runAndReadAll("SELECT table_name FROM duckdb_tables() WHERE temporary");
    expect(tables.getRowObjectsJS()).toEqual([]);
  });
});

describe("convertCleanCopy", () => {
  it("keeps the views inside the window and counts the refused ones, by the engine's judgement", async () => {
    const file = await ndjson("copy.ndjson", [
      batch(view("A"), view("B", "1e20"), view("C", '"1"')),
      batch(view("D", Date.UTC(2016, 0, 31) - 1)),
    ]);
    const counts = await native.convertCleanCopy(counter, input(file), target("copy.ndjson"));
    expect(counts).toEqual({ batches: 2, events: 4, views: 1, refused: 3 });
    expect(await products(target("copy.ndjson").eventsParquet)).toEqual(["A"]);
  });
});
