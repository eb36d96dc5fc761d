import { describe, expect, it } from "vitest";
import { ClusterDdlError, KEEPER_PATH, onCluster, stagingStatements, storageAfterEngine } from "./cluster_ddl.ts";
import { migrationsFor, readMigrations } from "./migrate.ts";

const REPLICATED = (kind: string, extra = "") => `ENGINE = Replicated${kind}('${KEEPER_PATH}', '{replica}'${extra})`;

describe("onCluster", () => {
  it("carries every statement of every migration file to the cluster, each MergeTree replicated", async () => {
    const plain = await readMigrations();
    const clustered = migrationsFor(plain, "ctr");
    expect(clustered.map((m) => m.name)).toEqual(plain.map((m) => m.name));
    const statements = clustered.flatMap((m) => m.statements);
    expect(statements.length).toBeGreaterThanOrEqual(4);
    for (const statement of statements) {
      expect(statement).toMatch(/^(CREATE|ALTER|DROP|TRUNCATE) [A-Z ]*?\w+ ON CLUSTER 'ctr'[\s(]/);
      for (const engine of statement.match(/ENGINE\s*=\s*\w+/g) ?? [])
        expect(engine).toMatch(/= Replicated\w*MergeTree$/);
    }
  });

  it("writes the Keeper path with {shard} and the replica, keeping the engine's own arguments", () => {
    expect(KEEPER_PATH).toBe("/clickhouse/tables/{shard}/{database}/{table}");
    expect(onCluster("CREATE TABLE IF NOT EXISTS t\n(\n  a UInt8\n)\nENGINE = MergeTree\nORDER BY a", "c1")).toBe(
      `CREATE TABLE IF NOT EXISTS t ON CLUSTER 'c1'\n(\n  a UInt8\n)\n${REPLICATED("MergeTree")}\nORDER BY a`,
    );
    expect(onCluster("CREATE TABLE t (a UInt8, v DateTime) ENGINE = ReplacingMergeTree(v) ORDER BY a", "c1")).toBe(
      `CREATE TABLE t ON CLUSTER 'c1' (a UInt8, v DateTime) ${REPLICATED("ReplacingMergeTree", ", v")} ORDER BY a`,
    );
    expect(onCluster("CREATE TABLE t (a UInt8, s Int8) ENGINE = SummingMergeTree((a, s)) ORDER BY a", "c1")).toContain(
      REPLICATED("SummingMergeTree", ", (a, s)"),
    );
  });

  it("handles what later migrations add: columns, rollup views, drops, databases", () => {
    expect(onCluster("ALTER TABLE ingested_files_v1 ADD COLUMN IF NOT EXISTS bad UInt64", "c")).toBe(
      "ALTER TABLE ingested_files_v1 ON CLUSTER 'c' ADD COLUMN IF NOT EXISTS bad UInt64",
    );
    expect(onCluster("CREATE MATERIALIZED VIEW IF NOT EXISTS v TO hourly AS SELECT 1", "c")).toBe(
      "CREATE MATERIALIZED VIEW IF NOT EXISTS v ON CLUSTER 'c' TO hourly AS SELECT 1",
    );
    expect(
      onCluster("CREATE MATERIALIZED VIEW v ENGINE = AggregatingMergeTree ORDER BY k AS SELECT k FROM t", "c"),
    ).toBe(
      `CREATE MATERIALIZED VIEW v ON CLUSTER 'c' ${REPLICATED("AggregatingMergeTree")} ORDER BY k AS SELECT k FROM t`,
    );
    expect(onCluster("DROP TABLE IF EXISTS ctr.`old table`", "c")).toBe(
      "DROP TABLE IF EXISTS ctr.`old table` ON CLUSTER 'c'",
    );
    expect(onCluster("CREATE DATABASE IF NOT EXISTS ctr", "c")).toBe(
      "CREATE DATABASE IF NOT EXISTS ctr ON CLUSTER 'c'",
    );
  });

  it.each([
    ["INSERT INTO t VALUES (1)", "not a CREATE, ALTER, DROP or TRUNCATE"],
    ["CREATE TABLE t ON CLUSTER x (a UInt8) ENGINE = MergeTree ORDER BY a", "names a cluster itself"],
    ["CREATE TABLE t (a UInt8) ORDER BY a", "needs its ENGINE"],
    ["CREATE TABLE t AS other", "needs its ENGINE"],
  ])("refuses %s", (statement, reason) => {
    expect(() => onCluster(statement, "c")).toThrow(ClusterDdlError);
    expect(() => onCluster(statement, "c")).toThrow(reason);
  });
});

describe("stagingStatements", () => {
  it("on one server copies the target and drops the copy", () => {
    expect(stagingStatements("t", "t_staging_1")).toEqual({
      create: "CREATE TABLE t_staging_1 AS t",
      drop: "DROP TABLE IF EXISTS t_staging_1 SYNC",
    });
  });

  it("on a cluster replicates the staging table under its own Keeper path, syncs it and drops it SYNC", () => {
    const storage = "PARTITION BY (day, platform) ORDER BY (product, minute) SETTINGS index_granularity = 8192";
    expect(stagingStatements("t", "t_staging_1", { name: "ctr", storage })).toEqual({
      create: `CREATE TABLE t_staging_1 ON CLUSTER 'ctr' AS t ${REPLICATED("MergeTree")} ${storage}`,
      sync: "SYSTEM SYNC REPLICA ON CLUSTER 'ctr' t_staging_1",
      drop: "DROP TABLE IF EXISTS t_staging_1 ON CLUSTER 'ctr' SYNC",
    });
  });
});

describe("storageAfterEngine", () => {
  it.each([
    [
      "MergeTree PARTITION BY day ORDER BY file SETTINGS index_granularity = 8192",
      "PARTITION BY day ORDER BY file SETTINGS index_granularity = 8192",
    ],
    [
      "ReplicatedMergeTree('/clickhouse/tables/01/ctr/t (x)', '{replica}') PARTITION BY (day, platform) ORDER BY (product, minute)",
      "PARTITION BY (day, platform) ORDER BY (product, minute)",
    ],
    ["ReplicatedReplacingMergeTree('/p', 'r', synced_at) ORDER BY day", "ORDER BY day"],
  ])("takes the engine off %s", (engineFull, storage) => {
    expect(storageAfterEngine(engineFull)).toBe(storage);
  });
});
