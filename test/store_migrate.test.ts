/**
 * migrate() runs only the migrations whose tables, columns and comments the schema lacks
 * (schemas/src/clickhouse/migrate.ts), on a chDB store: what each migration file is judged by is
 * what applying it adds; an up-to-date store is sent no DDL; a store that lost a table or a column
 * gets it back, its rollups filled again, and `ctr migrate` says what it added.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  CTR_ROLLUPS,
  isApplied,
  loadConfig,
  migrate,
  queryRows,
  ROLLUPS,
  type RollupFill,
  readMigrations,
  runCommand,
  type Store,
  schemaNeedOf,
} from "@ctr/schemas";
import { openStore } from "@ctr/workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { runCtr } from "./support/ctr_in_process.ts";

const ROLLUP_TABLES = [
  ...Object.values(ROLLUPS).flatMap(({ rollups }) => rollups.map((r) => r.table)),
  ...CTR_ROLLUPS.map((r) => r.table),
];
/** Statements that change the schema, whoever sends them. */
const DDL = /^\s*(CREATE|ALTER|DROP|RENAME|TRUNCATE|ATTACH|DETACH)\b/i;

const migrations = await readMigrations();
const dir = mkdtempSync(path.join(os.tmpdir(), "ctr-store-migrate-"));
const config = loadConfig({ CTR_DATA_DIR: dir });
let store: Store;

beforeAll(() => {
  store = openStore(config.clickhouse);
});

afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The store's tables and `table.column`s, each with its comment, as ClickHouse lists them. */
async function schemaOf(): Promise<Map<string, string>> {
  const Row = z.object({ object: z.string(), comment: z.string() });
  const [tables, columns] = await Promise.all([
    queryRows(store.client, {
      name: "test.tables",
      query: "SELECT name AS object, comment FROM system.tables WHERE database = currentDatabase()",
      schema: Row,
    }),
    queryRows(store.client, {
      name: "test.columns",
      query: "SELECT table || '.' || name AS object, comment FROM system.columns WHERE database = currentDatabase()",
      schema: Row,
    }),
  ]);
  return new Map([...tables, ...columns].map(({ object, comment }) => [object, comment]));
}

/** The store, its client recording the statement of every call it is sent; the real client runs them. */
function recording(): { store: Store; sent: string[] } {
  const sent: string[] = [];
  const client = new Proxy(store.client, {
    get(target, property) {
      const member: unknown = Reflect.get(target, property);
      if (typeof member !== "function") return member;
      return (...args: unknown[]) => {
        const [params] = args;
        if (typeof params === "object" && params !== null && "query" in params && typeof params.query === "string")
          sent.push(params.query);
        return Reflect.apply(member, target, args);
      };
    },
  });
  return { store: { ...store, client }, sent };
}

/** Each rollup's rows: what a refill must restore. */
async function rollupRows(): Promise<Record<string, unknown[]>> {
  const rows: Record<string, unknown[]> = {};
  for (const table of ROLLUP_TABLES) {
    rows[table] = await queryRows(store.client, {
      name: "test.rollup_rows",
      query: `SELECT * FROM ${table} ORDER BY ALL`,
      schema: z.unknown(),
    });
  }
  return rows;
}

const run = (query: string) => runCommand(store.client, { name: "test.statement", query });

describe("migrate judges each migration by the schema it leaves", () => {
  it("is judged by what applying it adds: its tables, the columns it adds and the comments it sets", async () => {
    for (const migration of migrations) {
      const before = await schemaOf();
      expect(isApplied(migration, before), migration.name).toBe(false);
      for (const statement of migration.statements) await run(statement);
      const after = await schemaOf();
      expect(isApplied(migration, after), migration.name).toBe(true);
      const needs = migration.statements.flatMap((statement) => schemaNeedOf(statement) ?? []);
      const tables = needs.flatMap((need) => (need.object.includes(".") ? [] : [need.object]));
      const added = [...after.keys()].filter((object) => !before.has(object));
      // A created table brings its columns; the others are the ADD COLUMNs'.
      expect(
        {
          tables: added.filter((object) => !object.includes(".")).sort(),
          columns: added
            .filter((object) => object.includes(".") && !tables.includes(object.split(".")[0] ?? ""))
            .sort(),
        },
        migration.name,
      ).toEqual({
        tables: [...tables].sort(),
        columns: needs
          .flatMap((need) => (need.object.includes(".") && need.comment === undefined ? [need.object] : []))
          .sort(),
      });
    }
  });

  it("fills the rollups its per-minute rows lack once, then sends an up-to-date store one read of its schema", async () => {
    await run(`INSERT INTO product_views_per_minute_v1 VALUES
                 ('2016-02-01', 'MobileWeb', '2016-02-01 12:34:00', 'p1', 3),
                 ('2016-02-01', 'iOS', '2016-02-01 23:10:00', 'p2', 2)`);
    await run(`INSERT INTO purchases_per_minute_v1 VALUES ('2016-02-01', 'MobileWeb', '2016-02-01 12:34:00', 'p1', 1)`);
    const fills: RollupFill[] = [];
    const first = recording();
    expect(await migrate(first.store, { onRollupFill: (fill) => fills.push(fill) })).toEqual([]);
    expect(new Set(fills.map((fill) => fill.table))).toEqual(
      new Set(Object.values(ROLLUPS).flatMap((r) => r.rollups.map((x) => x.table))),
    );
    // What DDL it sent was the fills' (their staging tables), none a migration's.
    const migrationStatements = new Set(migrations.flatMap((m) => m.statements));
    expect(first.sent.filter((statement) => migrationStatements.has(statement))).toEqual([]);

    const again = recording();
    expect(await migrate(again.store, { onRollupFill: (fill) => fills.push(fill) })).toEqual([]);
    // One read of the schema, whose comments carry the layout version: nothing that reads the history.
    expect(again.sent).toHaveLength(1);
    expect(again.sent[0]).toMatch(/FROM system\.tables/);
    expect(again.sent.filter((statement) => DDL.test(statement))).toEqual([]);
  });

  it("gives back a lost table or column, runs only the migrations that left them, and fills the rollups again", async () => {
    const before = await rollupRows();
    expect(before.ctr_per_day_v1?.length).toBeGreaterThan(0);
    await run("DROP TABLE ctr_per_day_v1");
    await run("DROP TABLE product_views_per_hour_v1");
    await run("ALTER TABLE ingested_files_v1 DROP COLUMN reason");
    const fills: RollupFill[] = [];
    const days: string[] = [];
    const { store: recorded, sent } = recording();
    const applied = await migrate(recorded, {
      onRollupFill: (fill) => fills.push(fill),
      onCtrDayFill: (day) => days.push(day),
    });
    expect(
      applied.map(({ name, added }) => ({
        name,
        added: added.filter((object) => !object.includes(".") || object.startsWith("ingested")),
      })),
    ).toEqual([
      { name: "0002_ingested_file_status.sql", added: ["ingested_files_v1.reason"] },
      { name: "0004_rollups.sql", added: ["product_views_per_hour_v1"] },
      { name: "0006_ctr_rollups.sql", added: ["ctr_per_day_v1"] },
    ]);
    // The migrations that ran ran whole; the others sent nothing.
    const ran = new Set(["0002_ingested_file_status.sql", "0004_rollups.sql", "0006_ctr_rollups.sql"]);
    const migrationStatements = new Set(migrations.flatMap((m) => m.statements));
    expect(sent.filter((statement) => migrationStatements.has(statement))).toEqual(
      migrations.flatMap((m) => (ran.has(m.name) ? m.statements : [])),
    );
    // The platforms' day is one partition: its month.
    expect(fills.map((fill) => fill.table)).toEqual(["product_views_per_hour_v1"]);
    expect(days).toContain("2016-02-01");
    expect(await rollupRows()).toEqual(before);
  });

  it("`ctr migrate` says what it added, then that the store is up to date", async () => {
    await run("DROP TABLE purchases_per_day_v1");
    await run("ALTER TABLE ingested_files_v1 DROP COLUMN status");
    await store.close();
    try {
      const env = { CTR_DATA_DIR: dir, LOG_LEVEL: "warn" };
      const repaired = await runCtr(["migrate"], env);
      expect(repaired, repaired.stderr).toMatchObject({ code: 0 });
      const where = "ClickHouse (embedded, database default)";
      expect(repaired.stdout).toContain(`applied 0002_ingested_file_status.sql to ${where}: 1 column added\n`);
      expect(repaired.stdout).toContain(
        `applied 0004_rollups.sql to ${where}: 1 table (purchases_per_day_v1) and 5 columns added\n`,
      );
      expect(repaired.stdout).not.toMatch(/applied 000[1356]/);
      expect(repaired.stdout).toContain(
        "filled the rollups from the per-minute tables: 1 partition of purchases_per_day_v1\n",
      );
      const again = await runCtr(["migrate"], env);
      expect(again).toMatchObject({ code: 0, stdout: `${where} is up to date: no migration to apply\n` });
    } finally {
      store = openStore(config.clickhouse);
    }
    expect((await schemaOf()).get("ingested_files_v1.status")).toBe("loaded, or failed: the file could not be read");
  });
});
