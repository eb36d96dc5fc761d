import { describe, expect, it } from "vitest";
import { isApplied, readMigrations, schemaNeedOf } from "./migrate.ts";

describe("schemaNeedOf", () => {
  it("judges every statement of every migration file by what it leaves in the schema", async () => {
    const migrations = await readMigrations();
    expect(migrations.flatMap((m) => m.statements).length).toBeGreaterThan(0);
    // A statement listed here makes its migration run on every start of every process: teach schemaNeedOf its kind.
    const unjudgeable = migrations.flatMap((m) =>
      m.statements.filter((s) => schemaNeedOf(s) === undefined).map((s) => `${m.name}: ${s}`),
    );
    expect(unjudgeable).toEqual([]);
  });

  it("reads the table, the column or the comment a statement leaves", () => {
    expect(schemaNeedOf("CREATE TABLE IF NOT EXISTS t\n(\n  a UInt8\n)\nENGINE = MergeTree ORDER BY a")).toEqual({
      object: "t",
    });
    expect(schemaNeedOf("CREATE TABLE IF NOT EXISTS t2 AS t ENGINE = MergeTree ORDER BY a")).toEqual({ object: "t2" });
    expect(schemaNeedOf("create table if not exists t(a UInt8) ENGINE = Memory")).toEqual({ object: "t" });
    expect(
      schemaNeedOf(
        "ALTER TABLE t\n    ADD COLUMN IF NOT EXISTS pair Tuple(String, Map(String, UInt8)) DEFAULT ('a,b', map()) COMMENT 'x, y' AFTER a",
      ),
    ).toEqual({ object: "t.pair" });
    expect(schemaNeedOf("ALTER TABLE t COMMENT COLUMN minute 'start of the hour, UTC'")).toEqual({
      object: "t.minute",
      comment: "start of the hour, UTC",
    });
  });

  it("leaves unjudged what the schema cannot tell has run", () => {
    for (const statement of [
      "CREATE TABLE t (a UInt8) ENGINE = Memory",
      "CREATE TABLE IF NOT EXISTS db.t (a UInt8) ENGINE = Memory",
      "CREATE TABLE IF NOT EXISTS `t` (a UInt8) ENGINE = Memory",
      "CREATE VIEW IF NOT EXISTS v AS SELECT 1",
      "CREATE MATERIALIZED VIEW IF NOT EXISTS v TO t AS SELECT 1 AS a",
      "ALTER TABLE t ADD COLUMN b UInt8",
      "ALTER TABLE t ADD COLUMN IF NOT EXISTS b UInt8, DROP COLUMN c",
      "ALTER TABLE t ADD COLUMN IF NOT EXISTS b Tuple(UInt8, UInt8) DEFAULT (1, 2), ADD COLUMN IF NOT EXISTS c UInt8",
      "ALTER TABLE t DROP COLUMN IF EXISTS c",
      "ALTER TABLE t MODIFY COLUMN c UInt64",
      "ALTER TABLE t COMMENT COLUMN c 'it''s'",
      "ALTER TABLE t COMMENT COLUMN c 'a\\'b'",
      "ALTER TABLE t COMMENT COLUMN c 'x', COMMENT COLUMN d 'y'",
      "ALTER TABLE t UPDATE a = 1 WHERE 1",
      "INSERT INTO t SELECT 1",
      "DROP TABLE IF EXISTS t",
    ]) {
      expect(schemaNeedOf(statement), statement).toBeUndefined();
    }
  });
});

describe("isApplied", () => {
  const migration = {
    name: "0009_x.sql",
    statements: [
      "CREATE TABLE IF NOT EXISTS t AS s ENGINE = MergeTree ORDER BY a",
      "ALTER TABLE t COMMENT COLUMN a 'the hour'",
      "ALTER TABLE t ADD COLUMN IF NOT EXISTS b UInt8",
    ],
  };
  const schema = (objects: Record<string, string>) => new Map(Object.entries(objects));

  it("holds when the schema has every table, column and comment the statements leave", () => {
    expect(isApplied(migration, schema({ t: "", "t.a": "the hour", "t.b": "" }))).toBe(true);
  });

  it("fails on a missing table or column, or a comment that was not set", () => {
    expect(isApplied(migration, schema({ "t.a": "the hour", "t.b": "" }))).toBe(false);
    expect(isApplied(migration, schema({ t: "", "t.a": "the hour" }))).toBe(false);
    expect(isApplied(migration, schema({ t: "", "t.a": "the minute", "t.b": "" }))).toBe(false);
  });

  it("fails for a migration with a statement it cannot judge, whatever the schema", () => {
    const withInsert = { ...migration, statements: [...migration.statements, "INSERT INTO t SELECT 1, 2"] };
    expect(isApplied(withInsert, schema({ t: "", "t.a": "the hour", "t.b": "" }))).toBe(false);
  });
});
