/**
 * The DDL of a replicated cluster (CLICKHOUSE_CLUSTER), derived from the single-server statements
 * rather than kept as a second copy: every statement of every migration file runs ON CLUSTER, and
 * each MergeTree-family engine becomes its Replicated form, its metadata in ClickHouse Keeper under
 * KEEPER_PATH. The {shard} and {replica} macros come from each server's configuration
 * (infra/clickhouse/config); {database} and {table} are expanded by ClickHouse at creation.
 */

/** Where a replicated table keeps its replication state in Keeper: one path per shard and table. */
export const KEEPER_PATH = "/clickhouse/tables/{shard}/{database}/{table}";
/** The replica name of the server a table is created on. */
export const REPLICA_NAME = "{replica}";

/** Raised for a statement that has no cluster form here; names it. */
export class ClusterDdlError extends Error {
  constructor(statement: string, reason: string) {
    super(`cannot run on a cluster (${reason}): ${statement.split("\n")[0]}`);
    this.name = "ClusterDdlError";
  }
}

const NAME = String.raw`(?:\`[^\`]+\`|\w+)(?:\.(?:\`[^\`]+\`|\w+))?`;

/** DDL whose object name ON CLUSTER follows; group 1 is the head up to and including the name. */
const DDL_HEAD = new RegExp(
  String.raw`^(\s*(?:` +
    [
      String.raw`CREATE\s+(?:OR\s+REPLACE\s+)?(?:TABLE|VIEW|MATERIALIZED\s+VIEW|DICTIONARY|DATABASE)(?:\s+IF\s+NOT\s+EXISTS)?`,
      String.raw`ALTER\s+TABLE`,
      String.raw`DROP\s+(?:TABLE|VIEW|DICTIONARY|DATABASE)(?:\s+IF\s+EXISTS)?`,
      String.raw`TRUNCATE\s+TABLE(?:\s+IF\s+EXISTS)?`,
    ].join("|") +
    String.raw`)\s+(${NAME}))`,
  "i",
);

/** `ENGINE = XMergeTree` or `ENGINE = XMergeTree(args)` (one level of nested parentheses), not yet Replicated. */
const MERGE_TREE_ENGINE = /\bENGINE\s*=\s*(?!Replicated)(\w*MergeTree)\b(?:\s*\(((?:[^()]|\([^()]*\))*)\))?/i;

/** `ENGINE = Replicated<kind>('<KEEPER_PATH>', '{replica}'[, args])`: the replicated form of a MergeTree engine. */
export function replicatedEngine(kind: string, args = ""): string {
  const extra = args.trim() === "" ? "" : `, ${args.trim()}`;
  return `ENGINE = Replicated${kind}('${KEEPER_PATH}', '${REPLICA_NAME}'${extra})`;
}

/** `ON CLUSTER '<cluster>'`; the name is validated by the configuration (letters, digits, '_', '-'). */
export const onClusterClause = (cluster: string) => `ON CLUSTER '${cluster}'`;

/** Creates the engine's database (a plain identifier, validated by the configuration), on every node of a cluster. */
export function createDatabaseStatement(database: string, cluster?: string): string {
  return `CREATE DATABASE IF NOT EXISTS ${database}${cluster ? ` ${onClusterClause(cluster)}` : ""}`;
}

/**
 * The cluster form of one single-server DDL statement: ON CLUSTER after the object's name, and a
 * MergeTree-family engine made Replicated. Throws ClusterDdlError for a statement this cannot
 * carry to every node: anything but CREATE/ALTER/DROP/TRUNCATE of a table, view, dictionary or
 * database; one that names its cluster itself; a CREATE TABLE without an explicit ENGINE (on a
 * cluster it would be a table per node, unreplicated, or a copy of another table's Keeper path).
 */
export function onCluster(statement: string, cluster: string): string {
  const head = DDL_HEAD.exec(statement);
  if (!head?.[1]) throw new ClusterDdlError(statement, "not a CREATE, ALTER, DROP or TRUNCATE");
  if (/\bON\s+CLUSTER\b/i.test(statement)) throw new ClusterDdlError(statement, "it names a cluster itself");
  const isCreateTable = /^\s*CREATE\s+(?:OR\s+REPLACE\s+)?TABLE\b/i.test(statement);
  if (isCreateTable && !/\bENGINE\s*=/i.test(statement)) {
    throw new ClusterDdlError(statement, "a CREATE TABLE needs its ENGINE");
  }
  const withCluster = `${head[1]} ${onClusterClause(cluster)}${statement.slice(head[1].length)}`;
  return withCluster.replace(MERGE_TREE_ENGINE, (_all, kind: string, args?: string) => replicatedEngine(kind, args));
}

/**
 * The storage clause of a table after its engine (`PARTITION BY ... ORDER BY ... SETTINGS ...`), from
 * system.tables' `engine_full`: REPLACE PARTITION wants the staging table's keys exactly as the
 * target's (`ORDER BY file` and `ORDER BY (file)` differ for it), and its storage policy too.
 */
export function storageAfterEngine(engineFull: string): string {
  return engineFull.replace(/^\s*\w+(?:\s*\((?:[^()']|'(?:[^'\\]|\\.)*')*\))?\s*/, "");
}

/**
 * The statements around a partition replacement's staging table. On one server: a copy of the
 * target's structure, dropped afterwards. On a cluster the staging table exists on every replica,
 * replicated itself: its rows may arrive on any node behind the load balancer, and the replica that
 * runs REPLACE PARTITION (and every replica replaying it from the replication log) finds the staged
 * parts locally once SYSTEM SYNC REPLICA has waited for them. It gets its own Keeper path ({table} is
 * its unique name) and the target's storage clause (`storage`, see storageAfterEngine): `CREATE TABLE
 * ... AS` alone would copy the target's Keeper path. Dropped SYNC, everywhere: its Keeper state and
 * its data go at once. Without SYNC a dropped table waits 8 minutes (database_atomic_delay_before_drop_table_sec)
 * in metadata_dropped/, and a short-lived process that opens the store loads every one of them: a year of
 * daily runs left thousands, most of a start-up's cost (docs/BENCHMARKS.md, history).
 */
export function stagingStatements(
  target: string,
  staging: string,
  cluster?: { name: string; storage: string },
): { create: string; sync?: string; drop: string } {
  if (!cluster) {
    return { create: `CREATE TABLE ${staging} AS ${target}`, drop: `DROP TABLE IF EXISTS ${staging} SYNC` };
  }
  const { name, storage } = cluster;
  return {
    create: `CREATE TABLE ${staging} ${onClusterClause(name)} AS ${target} ${replicatedEngine("MergeTree")} ${storage}`,
    sync: `SYSTEM SYNC REPLICA ${onClusterClause(name)} ${staging}`,
    drop: `DROP TABLE IF EXISTS ${staging} ${onClusterClause(name)} SYNC`,
  };
}
