/**
 * A store written by the layout before monthly partitions (a partition per folder day and platform,
 * or per day) upgrades through `ctr migrate`: the older commit's own CLI loads a few days, then
 * today's `ctr migrate` rebuilds each table partitioned by month with the same rows, records the
 * layout, and every later command finds it up to date; a re-run of a day on the upgraded store gives
 * the same totals.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { generate } from "@ctr/jobs";
import { loadConfig, queryRows, STORE_LAYOUT_VERSION, type Store, TABLE_LAYOUTS } from "@ctr/schemas";
import { openStore } from "@ctr/workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { runCtr } from "./support/ctr_process.ts";
import { buildOlderCli } from "./support/older_cli.ts";

/**
 * The last commit whose store had a partition per folder day (layout version 1): main as this
 * layout was merged. Its CLI is built against this checkout's npm packages: a dependency upgrade
 * that breaks that build needs the older store made another way (a store kept as a fixture).
 */
const LAYOUT_V1_COMMIT = "1b351ebf7fd87a021585df9da5c12712957a0a32";
const FROM = "2016-02-27";
const TO = "2016-03-02";

let dir: string;
let env: Record<string, string>;
let olderCli: string;

/** Runs the older commit's `ctr`; it must succeed. */
async function olderCtr(args: string[]): Promise<string> {
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [olderCli, ...args], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  return `${stdout}${stderr}`;
}

/** Every row of every table of the layout, sorted: what an upgrade must keep. */
async function contents(store: Store): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const { table } of TABLE_LAYOUTS) {
    const rows = await queryRows(store.client, {
      name: "test.contents",
      // When a file was committed is not content: a re-run records a new time.
      query: table === "ingested_files_v1" ? `SELECT * EXCEPT (loaded_at) FROM ${table}` : `SELECT * FROM ${table}`,
      schema: z.record(z.string(), z.unknown()),
    });
    out[table] = rows.map((row) => JSON.stringify(row)).sort();
  }
  return out;
}

async function withOpened<T>(body: (store: Store) => Promise<T>): Promise<T> {
  const store = openStore(loadConfig(env).clickhouse);
  try {
    return await body(store);
  } finally {
    await store.close();
  }
}

const Keys = z.object({ name: z.string(), partition_key: z.string() });

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "ctr-store-upgrade-"));
  const data = path.join(dir, "data");
  env = { CTR_DATA_DIR: data, LOG_LEVEL: "warn" };
  const raw = path.join(data, "raw");
  await generate({ from: FROM, to: TO, scale: 0.01, seed: "upgrade", outDir: raw });
  olderCli = await buildOlderCli(LAYOUT_V1_COMMIT, path.join(dir, "older"));
  const csv = (name: string) => path.join(raw, `${name}.csv`);
  await olderCtr(["orders", "load", "--orders", csv("orders"), "--items", csv("order_items")]);
  await olderCtr(["backfill", "--from", FROM, "--to", TO]);
}, 300_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("a store of the day-partitioned layout", () => {
  it("is rebuilt by month by `ctr migrate`, row for row, and is up to date afterwards", async () => {
    const before = await withOpened(async (store) => {
      const keys = await queryRows(store.client, {
        name: "test.keys",
        query:
          "SELECT name, partition_key FROM system.tables WHERE database = currentDatabase() AND name = 'product_views_per_minute_v1'",
        schema: Keys,
      });
      // What the older commit wrote: a partition per folder day and platform.
      expect(keys).toEqual([{ name: "product_views_per_minute_v1", partition_key: "(day, platform)" }]);
      return contents(store);
    });
    expect(before.product_views_per_minute_v1?.length).toBeGreaterThan(0);
    expect(before.ctr_per_day_v1?.length).toBeGreaterThan(0);

    const migrated = await runCtr(["migrate"], env);
    expect(migrated.code, migrated.stderr).toBe(0);
    for (const { table } of TABLE_LAYOUTS) expect(migrated.stdout).toContain(`rebuilt ${table} partitioned by month`);

    await withOpened(async (store) => {
      expect(await contents(store)).toEqual(before);
      const keys = await queryRows(store.client, {
        name: "test.keys",
        query:
          "SELECT name, partition_key FROM system.tables WHERE database = currentDatabase() AND name IN {names:Array(String)}",
        params: { names: TABLE_LAYOUTS.map((l) => l.table) },
        schema: Keys,
      });
      expect(Object.fromEntries(keys.map((k) => [k.name, k.partition_key]))).toEqual(
        Object.fromEntries(TABLE_LAYOUTS.map((l) => [l.table, l.partitionBy])),
      );
      const [layout] = await queryRows(store.client, {
        name: "test.layout",
        query: "SELECT comment FROM system.tables WHERE database = currentDatabase() AND name = 'store_layout_v1'",
        schema: z.object({ comment: z.string() }),
      });
      expect(layout?.comment).toBe(`layout ${STORE_LAYOUT_VERSION}`);
      // No copy left behind.
      const leftovers = await queryRows(store.client, {
        name: "test.leftovers",
        query: "SELECT name FROM system.tables WHERE database = currentDatabase() AND name LIKE '%relayout%'",
        schema: z.object({ name: z.string() }),
      });
      expect(leftovers).toEqual([]);
    });

    const again = await runCtr(["migrate"], env);
    expect(again).toMatchObject({
      code: 0,
      stdout: "ClickHouse (embedded, database default) is up to date: no migration to apply\n",
    });
  });

  it("re-runs a day on the upgraded store with the same totals", async () => {
    const before = await withOpened(contents);
    const rerun = await runCtr(["backfill", "--from", "2016-02-29", "--to", "2016-02-29"], env);
    expect(rerun.code, `${rerun.stdout}${rerun.stderr}`).toBe(0);
    expect(await withOpened(contents)).toEqual(before);
  });
});
