// The replicated cluster, checked without running one (no ClickHouse server or Keeper can run here).
// The DDL CLICKHOUSE_CLUSTER runs is derived from every migration file (schemas cluster_ddl.ts). With
// ClickHouse itself (chDB behind the test stand-in server): every statement of it parses, its
// single-node form (ON CLUSTER and replication taken out) creates exactly the migrations' tables, and
// a commit's staging table on a cluster is one REPLACE PARTITION accepts. Then infra/clickhouse/config
// and its compose file agree with each other and with that DDL: cluster name, macros, Keeper.
import { readFileSync } from "node:fs";
import path from "node:path";
import {
  CONFIG_VARIABLES,
  checkReplicated,
  loadConfig,
  type Migration,
  migrate,
  migrationsFor,
  queryRows,
  readMigrations,
  runCommand,
  type Store,
  splitStatements,
  stagingStatements,
  storageOf,
} from "@ctr/schemas";
import { openStore } from "@ctr/workers";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { z } from "zod";
import { type ClickHouseServer, startClickHouseServer } from "./support/clickhouse_server.ts";
import { runCtr } from "./support/ctr_process.ts";
import { composeFiles, REPO_ROOT, readCompose } from "./support/infra_support.ts";

const CLUSTER_DIR = path.join(REPO_ROOT, "infra/clickhouse");

interface ComposeService {
  hostname?: string;
  volumes?: string[];
  environment?: Record<string, string>;
  command?: string[];
}
const compose = parse(readFileSync(path.join(CLUSTER_DIR, "docker-compose.yml"), "utf8"), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const services = compose.services;
/** The name the app is given as CLICKHOUSE_CLUSTER, by the compose file's migration service. */
const CLUSTER = services.migrate?.environment?.CLICKHOUSE_CLUSTER ?? "";

/** The single-node form of a cluster statement: no ON CLUSTER, Replicated*MergeTree without Keeper path and replica. */
function singleNode(statement: string): string {
  return statement
    .replaceAll(` ON CLUSTER '${CLUSTER}'`, "")
    .replace(
      /ENGINE = Replicated(\w*)MergeTree\('[^']*', '\{replica\}'(?:, ((?:[^()]|\([^()]*\))*))?\)/,
      (_all, kind, args) => (args ? `ENGINE = ${kind}MergeTree(${args})` : `ENGINE = ${kind}MergeTree`),
    );
}

const TableShape = z.object({
  engine: z.string(),
  partition_key: z.string(),
  sorting_key: z.string(),
  primary_key: z.string(),
  columns: z.array(z.tuple([z.string(), z.string(), z.string()])),
});

async function shapeOf(store: Store, table: string) {
  const [shape] = await queryRows(store.client, {
    name: "infra_test.table_shape",
    query: `SELECT engine, partition_key, sorting_key, primary_key,
              (SELECT groupArray((name, type, comment)) FROM (SELECT name, type, comment FROM system.columns
                WHERE database = currentDatabase() AND table = {table:String} ORDER BY position)) AS columns
            FROM system.tables WHERE database = currentDatabase() AND name = {table:String}`,
    params: { table },
    schema: TableShape,
  });
  if (!shape) throw new Error(`${table} does not exist in ${store.database}`);
  return shape;
}

const createdTables = (migrations: readonly Migration[]) =>
  migrations.flatMap((m) => m.statements.flatMap((s) => /^CREATE TABLE IF NOT EXISTS (\w+)/.exec(s)?.[1] ?? []));

let server: ClickHouseServer;
let plain: Store;
let clustered: Store;
let migrations: Migration[];

beforeAll(async () => {
  expect(CLUSTER).toMatch(/^\w+$/);
  migrations = migrationsFor(await readMigrations(), CLUSTER);
  server = await startClickHouseServer();
  plain = openStore({ kind: "server", url: server.url, database: "migrated" });
  clustered = openStore({ kind: "server", url: server.url, database: "cluster_single_node" });
  await migrate(plain);
  await clustered.ensureDatabase();
  for (const migration of migrations) {
    for (const statement of migration.statements) {
      await runCommand(clustered.client, { name: "infra_test.single_node", query: singleNode(statement) });
    }
  }
});

afterAll(async () => {
  await plain?.close();
  await clustered?.close();
  await server?.close();
});

describe("the cluster DDL (CLICKHOUSE_CLUSTER)", () => {
  it("parses, statement by statement, in ClickHouse's own parser: migrations, commit staging, retention.sql", async () => {
    const storage = "PARTITION BY (day, platform) ORDER BY (product, minute) SETTINGS index_granularity = 8192";
    const staging = stagingStatements("t", "t_staging_0", { name: CLUSTER, storage });
    const retention = splitStatements(readFileSync(path.join(CLUSTER_DIR, "retention.sql"), "utf8"));
    const statements = [
      ...migrations.flatMap((m) => m.statements),
      staging.create,
      staging.sync ?? "",
      staging.drop,
      ...retention,
    ];
    expect(retention.length).toBeGreaterThan(0);
    for (const sql of statements) {
      const [row] = await queryRows(plain.client, {
        name: "infra_test.format_query",
        query: "SELECT formatQuery({sql:String}) AS formatted",
        params: { sql },
        schema: z.object({ formatted: z.string() }),
      });
      expect(row?.formatted, sql).toContain(sql.split(/\s+/)[0]?.toUpperCase());
    }
  });

  it("is what `ctr migrate --print` shows with CLICKHOUSE_CLUSTER, without connecting", async () => {
    const { code, stdout } = await runCtr(["migrate", "--print"], {
      CLICKHOUSE_URL: "http://127.0.0.1:1",
      CLICKHOUSE_DATABASE: "ctr",
      CLICKHOUSE_CLUSTER: CLUSTER,
    });
    expect(code).toBe(0);
    expect(stdout).toContain(`CREATE DATABASE IF NOT EXISTS ctr ON CLUSTER '${CLUSTER}'`);
    const printed = splitStatements(stdout);
    expect(printed).toEqual(migrations.flatMap((m) => m.statements));
  });

  it("gives every table of the migrations the same columns, keys and (unreplicated) engine on the cluster", async () => {
    const tables = createdTables(migrations);
    expect(tables).toEqual(expect.arrayContaining(["product_views_per_minute_v1", "purchases_per_minute_v1"]));
    for (const table of tables) {
      const migrated = await shapeOf(plain, table);
      expect(await shapeOf(clustered, table), table).toEqual(migrated);
    }
  });

  it("refuses a cluster whose tables were created unreplicated, naming them", async () => {
    const refused = await checkReplicated({ ...plain, cluster: CLUSTER }, migrations).then(
      () => "",
      (error: Error) => error.message,
    );
    expect(refused).toMatch(/^CLICKHOUSE_CLUSTER is \w+ but these tables exist unreplicated: /);
    for (const table of createdTables(migrations)) expect(refused).toMatch(new RegExp(`${table} \\(\\w*MergeTree\\)`));
  });

  it.each([
    "product_views_per_minute_v1",
    "purchases_per_minute_v1",
    "ingested_files_v1",
    "product_views_per_hour_v1",
    "product_views_per_day_v1",
    "purchases_per_hour_v1",
    "purchases_per_day_v1",
    "ctr_per_hour_v1",
    "ctr_per_day_v1",
  ])("stages a commit of %s on a cluster in a table REPLACE PARTITION accepts", async (table) => {
    const staging = `${table}_staging_check`;
    const { create, drop } = stagingStatements(table, staging, {
      name: CLUSTER,
      storage: await storageOf(plain, table),
    });
    const run = (query: string) => runCommand(plain.client, { name: "infra_test.staging", query });
    await run(singleNode(create));
    try {
      const [structure] = await queryRows(plain.client, {
        name: "infra_test.structure",
        query: `SELECT arrayStringConcat(groupArray(concat(name, ' ', type)), ', ') AS s FROM
                  (SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = {table:String} ORDER BY position)`,
        params: { table },
        schema: z.object({ s: z.string() }),
      });
      await runCommand(plain.client, {
        name: "infra_test.fill",
        query: `INSERT INTO ${staging} SELECT * FROM generateRandom({structure:String}, 1, 10, 2) LIMIT 1`,
        params: { structure: structure?.s ?? "" },
      });
      const [part] = await queryRows(plain.client, {
        name: "infra_test.partition",
        query: `SELECT any(_partition_id) AS id FROM ${staging}`,
        schema: z.object({ id: z.string() }),
      });
      await run(`ALTER TABLE ${table} REPLACE PARTITION ID '${part?.id}' FROM ${staging}`);
      const [count] = await queryRows(plain.client, {
        name: "infra_test.replaced",
        query: `SELECT count() AS n FROM ${table} WHERE _partition_id = {id:String}`,
        params: { id: part?.id ?? "" },
        schema: z.object({ n: z.coerce.number() }),
      });
      expect(count?.n).toBe(1);
    } finally {
      await run(singleNode(drop).replace(" SYNC", ""));
    }
  });
});

// The configuration files, parsed as XML; lists are arrays wherever the file may repeat an element.
const LISTS = [
  /remote_servers\.\w+\.shard$/,
  /remote_servers\.\w+\.shard\.replica$/,
  /zookeeper\.node$/,
  /raft_configuration\.server$/,
];
const xml = new XMLParser({
  parseTagValue: false,
  jPath: true,
  isArray: (_tag, jpath) => LISTS.some((re) => re.test(String(jpath))),
});

function readConfig(file: string): Record<string, unknown> {
  const text = readFileSync(path.join(CLUSTER_DIR, "config", file), "utf8");
  expect(XMLValidator.validate(text), file).toBe(true);
  return (xml.parse(text) as { clickhouse: Record<string, unknown> }).clickhouse;
}

const ClusterXml = z.object({
  remote_servers: z.record(
    z.string(),
    z.object({
      shard: z.array(
        z.object({
          internal_replication: z.string(),
          replica: z.array(z.object({ host: z.string(), port: z.string() })),
        }),
      ),
    }),
  ),
  zookeeper: z.object({ node: z.array(z.object({ host: z.string(), port: z.string() })) }),
  distributed_ddl: z.object({ path: z.string() }),
});
const MacrosXml = z.object({
  macros: z.object({ cluster: z.string(), shard: z.string(), replica: z.string() }),
  interserver_http_host: z.string(),
});
const KeeperXml = z.object({
  keeper_server: z.object({
    tcp_port: z.string(),
    server_id: z.string(),
    raft_configuration: z.object({
      server: z.array(z.object({ id: z.string(), hostname: z.string(), port: z.string() })),
    }),
  }),
});

/** The config files a service mounts, by the path inside the container. */
function mounts(service: ComposeService): Record<string, string> {
  return Object.fromEntries(
    (service.volumes ?? [])
      .filter((volume) => volume.startsWith("./config/"))
      .map((volume) => {
        const [source = "", target = ""] = volume.split(":");
        return [target, path.basename(source)];
      }),
  );
}

const servers = Object.entries(services).filter(([, s]) =>
  Object.keys(mounts(s)).some((t) => t.includes("clickhouse-server")),
);
const keepers = Object.entries(services).filter(([, s]) =>
  Object.keys(mounts(s)).some((t) => t.includes("clickhouse-keeper")),
);

describe("infra/clickhouse: two replicas, one shard, ClickHouse Keeper", () => {
  const cluster = ClusterXml.parse(readConfig("cluster.xml"));

  it("defines the cluster the app names, with one shard of two replicas that replicate internally", () => {
    expect(Object.keys(cluster.remote_servers)).toEqual([CLUSTER]);
    const shards = cluster.remote_servers[CLUSTER]?.shard ?? [];
    expect(shards).toHaveLength(1);
    expect(shards[0]?.internal_replication).toBe("true");
    expect(shards[0]?.replica.map((r) => r.host).sort()).toEqual(servers.map(([name]) => name).sort());
    expect(servers).toHaveLength(2);
  });

  it("gives each server the cluster config and macros of its own that define what the DDL uses", () => {
    const macroNames = new Set(
      migrations
        .flatMap((m) => m.statements)
        .flatMap((s) => [...s.matchAll(/\{(\w+)\}/g)].map((match) => match[1]))
        .filter((name) => name !== "database" && name !== "table"),
    );
    expect([...macroNames].sort()).toEqual(["replica", "shard"]);
    const replicas: string[] = [];
    for (const [name, service] of servers) {
      const files = mounts(service);
      expect(files["/etc/clickhouse-server/config.d/cluster.xml"], name).toBe("cluster.xml");
      const macros = MacrosXml.parse(readConfig(files["/etc/clickhouse-server/config.d/macros.xml"] ?? ""));
      expect(macros.macros).toMatchObject({ cluster: CLUSTER, shard: "01", replica: name });
      expect(macros.interserver_http_host).toBe(name);
      expect(service.hostname).toBe(name);
      replicas.push(macros.macros.replica);
    }
    expect(new Set(replicas).size).toBe(servers.length);
  });

  it("runs three Keeper nodes with one raft configuration, and the servers know all three", () => {
    expect(keepers).toHaveLength(3);
    const configs = keepers.map(([name, service]) => {
      const file = mounts(service)["/etc/clickhouse-keeper/keeper_config.xml"] ?? "";
      return { name, keeper: KeeperXml.parse(readConfig(file)).keeper_server };
    });
    const raft = configs[0]?.keeper.raft_configuration.server ?? [];
    expect(raft.map((s) => s.hostname).sort()).toEqual(keepers.map(([name]) => name).sort());
    for (const { name, keeper } of configs) {
      expect(keeper.raft_configuration.server).toEqual(raft);
      expect(raft.find((s) => s.id === keeper.server_id)?.hostname).toBe(name);
    }
    expect(cluster.zookeeper.node.map((n) => `${n.host}:${n.port}`).sort()).toEqual(
      configs.map(({ name, keeper }) => `${name}:${keeper.tcp_port}`).sort(),
    );
  });

  it("migrates the cluster with the app image and a configuration loadConfig accepts", () => {
    const env = services.migrate?.environment ?? {};
    expect(services.migrate?.command).toEqual(["migrate"]);
    for (const variable of Object.keys(env)) expect(CONFIG_VARIABLES).toContain(variable);
    const config = loadConfig(env);
    expect(config.clickhouse).toMatchObject({ kind: "server", cluster: CLUSTER });
    expect(new URL(env.CLICKHOUSE_URL ?? "").hostname).toBe(servers[0]?.[0]);
  });
});

describe("the ClickHouse version the infra runs", () => {
  it("is the one the SQL is tested on: chDB's engine, in every compose file and in the docs", async () => {
    const [row] = await queryRows(plain.client, {
      name: "infra_test.version",
      query: "SELECT version() AS version",
      schema: z.object({ version: z.string() }),
    });
    // The release line (major.minor) of the engine the tests ran on: 26.7 for chDB 3.4.
    const tested = (row?.version ?? "").split(".").slice(0, 2).join(".");
    expect(tested).toMatch(/^\d+\.\d+$/);
    const images = composeFiles().flatMap((file) =>
      Object.values(readCompose(file).services)
        .map((service) => service.image ?? "")
        .filter((image) => image.startsWith("clickhouse/")),
    );
    expect(images.length).toBeGreaterThanOrEqual(3);
    for (const image of images) expect(image).toMatch(new RegExp(`:${tested.replace(".", "\\.")}$`));
    const readme = readFileSync(path.join(CLUSTER_DIR, "README.md"), "utf8");
    expect(readme).toContain(`Tested on ClickHouse ${tested}`);
  });
});
