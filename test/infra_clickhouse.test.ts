// Keeps infra/clickhouse/cluster.sql in step with the migrations, with a real ClickHouse (chDB):
// every statement parses; each `_local` table, with replication and ON CLUSTER taken out (chDB has
// neither Keeper nor a cluster), has exactly the columns, types, partition key and sort key the
// migration gives the table of the same name; each Distributed table wraps its `_local` table.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { migrate, openStore, queryRows, runCommand, type Store, splitStatements } from "@ctr/schemas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { REPO_ROOT } from "./support/infra_support.ts";

const TABLES = ["product_views_per_minute_v1", "purchases_per_minute_v1", "ingested_files_v1", "purchase_syncs_v1"];
const CHECK_DATABASE = "cluster_check";

const readSql = (file: string) => splitStatements(readFileSync(path.join(REPO_ROOT, "infra/clickhouse", file), "utf8"));
const clusterStatements = readSql("cluster.sql");

/**
 * The single-node form of a cluster statement: no ON CLUSTER, Replicated*MergeTree without its
 * Keeper path and replica name, in the check database. Distributed tables have no single-node form.
 */
function singleNode(statement: string): string | undefined {
  if (/ENGINE\s*=\s*Distributed/.test(statement) || /^CREATE DATABASE/.test(statement)) return undefined;
  return statement
    .replace(/\s+ON CLUSTER '\{cluster\}'/g, "")
    .replace(/\bctr\./g, `${CHECK_DATABASE}.`)
    .replace(/ENGINE = Replicated(\w*)MergeTree\('[^']*',\s*'\{replica\}'(?:,\s*([^)]*))?\)/, (_all, kind, args) =>
      args ? `ENGINE = ${kind}MergeTree(${args})` : `ENGINE = ${kind}MergeTree`,
    );
}

const TableShape = z.object({
  engine: z.string(),
  partition_key: z.string(),
  sorting_key: z.string(),
  columns: z.array(z.tuple([z.string(), z.string(), z.string()])),
});

let dir: string;
let store: Store;

async function shapeOf(database: string, table: string) {
  const [shape] = await queryRows(store.client, {
    name: "infra_test.table_shape",
    query: `SELECT engine, partition_key, sorting_key,
              (SELECT groupArray((name, type, comment)) FROM (SELECT name, type, comment FROM system.columns
                WHERE database = {database:String} AND table = {table:String} ORDER BY position)) AS columns
            FROM system.tables WHERE database = {database:String} AND name = {table:String}`,
    params: { database, table },
    schema: TableShape,
  });
  if (!shape) throw new Error(`${database}.${table} does not exist`);
  return shape;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "ctr-infra-clickhouse-"));
  store = openStore({ kind: "embedded", path: dir, database: "default" });
  await migrate(store);
  await runCommand(store.client, { name: "infra_test.create_database", query: `CREATE DATABASE ${CHECK_DATABASE}` });
  for (const statement of clusterStatements) {
    const local = singleNode(statement);
    if (local) await runCommand(store.client, { name: "infra_test.create_local", query: local });
  }
});

afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("infra/clickhouse cluster DDL", () => {
  it("parses, statement by statement, in ClickHouse's own parser", async () => {
    const statements = [...clusterStatements, ...readSql("retention.sql")];
    expect(statements.length).toBeGreaterThan(8);
    for (const sql of statements) {
      const [row] = await queryRows(store.client, {
        name: "infra_test.format_query",
        query: "SELECT formatQuery({sql:String}) AS formatted",
        params: { sql },
        schema: z.object({ formatted: z.string() }),
      });
      expect(row?.formatted.length, sql).toBeGreaterThan(0);
    }
  });

  it("creates every table on the whole cluster, replicated per shard", () => {
    const creates = clusterStatements.filter((s) => s.startsWith("CREATE TABLE"));
    expect(creates).toHaveLength(TABLES.length * 2);
    for (const statement of creates) expect(statement).toContain("ON CLUSTER '{cluster}'");
    for (const table of TABLES) {
      const local = creates.find((s) => s.includes(`ctr.${table}_local ON CLUSTER`) && !s.includes(" AS ctr."));
      expect(local, table).toMatch(
        /ENGINE = Replicated\w*MergeTree\('\/clickhouse\/tables\/\{shard\}\/[^']*', '\{replica\}'/,
      );
    }
  });

  it.each(TABLES)("gives %s_local exactly the migration's columns, partition and sort key", async (table) => {
    const migrated = await shapeOf("default", table);
    const local = await shapeOf(CHECK_DATABASE, `${table}_local`);
    expect(local.columns).toEqual(migrated.columns);
    expect(local.partition_key).toBe(migrated.partition_key);
    expect(local.sorting_key).toBe(migrated.sorting_key);
    expect(local.engine).toBe(migrated.engine);
  });

  it.each(TABLES)("serves %s under the migration's name as a Distributed table over %s_local", (table) => {
    const distributed = clusterStatements.find((s) => s.includes(`ctr.${table} ON CLUSTER`));
    expect(distributed).toContain(`AS ctr.${table}_local`);
    expect(distributed).toMatch(new RegExp(`ENGINE = Distributed\\('\\{cluster\\}', ctr, ${table}_local, [^)]+\\)`));
  });

  it("shards views and purchases by the same key, so a product's CTR is computed on one shard", () => {
    const keyOf = (table: string) =>
      /Distributed\('\{cluster\}', ctr, \w+, (.+)\)$/.exec(
        clusterStatements.find((s) => s.includes(`ctr.${table} ON CLUSTER`)) ?? "",
      )?.[1];
    expect(keyOf("product_views_per_minute_v1")).toBe("cityHash64(product)");
    expect(keyOf("purchases_per_minute_v1")).toBe(keyOf("product_views_per_minute_v1"));
  });
});
