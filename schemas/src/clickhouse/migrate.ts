import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { packageAsset } from "../runtime/package_asset.ts";
import { onCluster } from "./cluster_ddl.ts";
import { ctrDaysOfFolders, fillMissingCtrDays } from "./ctr_rollup_refresh.ts";
import { lastDayOfMonth } from "./month_partition.ts";
import { queryRows, runCommand } from "./query.ts";
import { fillMissingRollups, type RollupFill } from "./rollup_fill.ts";
import type { Store } from "./store.ts";
import {
  type Relayout,
  recordStoreLayout,
  relayoutTables,
  STORE_LAYOUT_VERSION,
  storeLayoutVersion,
} from "./store_layout.ts";

/** Listed in package.json "runtimeAssets", so the build carries the files along. */
const MIGRATIONS = "src/clickhouse/migrations";

export interface Migration {
  /** The file name, e.g. `0001_per_minute_tables.sql`; the number orders them. */
  name: string;
  statements: string[];
}

/** Splits a migration file into statements: `;` at the end of a line ends one; `--` lines are comments. */
export function splitStatements(sql: string): string[] {
  const withoutComments = sql
    .split("\n")
    .filter((line) => !line.trimStart().startsWith("--"))
    .join("\n");
  return withoutComments
    .split(/;\s*(?:\n|$)/)
    .map((statement) => statement.trim())
    .filter((statement) => statement !== "");
}

/** The numbered migration files, in order. */
export async function readMigrations(
  dir = packageAsset("@ctr/schemas", MIGRATIONS, import.meta.url),
): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file)).sort();
  return Promise.all(
    files.map(async (name) => ({ name, statements: splitStatements(await readFile(path.join(dir, name), "utf8")) })),
  );
}

/** The migrations as they run: as written, or on a cluster each statement in its cluster form. */
export function migrationsFor(migrations: readonly Migration[], cluster?: string): Migration[] {
  return migrations.map(({ name, statements }) => ({
    name,
    statements: cluster ? statements.map((statement) => onCluster(statement, cluster)) : statements,
  }));
}

/** A migration that changed the schema, and the tables and columns it added. */
export interface AppliedMigration extends Migration {
  added: string[];
}

/**
 * The database's tables and `table.column`s, each with its comment: what a migration of `IF NOT EXISTS`
 * statements can add, and what its `COMMENT COLUMN`s set.
 */
async function schemaObjects(store: Store): Promise<Map<string, string>> {
  const rows = await queryRows(store.client, {
    name: "migrate.schema_objects",
    query: `SELECT name AS object, comment FROM system.tables WHERE database = currentDatabase()
            UNION ALL
            SELECT concat(table, '.', name) AS object, comment FROM system.columns WHERE database = currentDatabase()`,
    schema: z.object({ object: z.string(), comment: z.string() }),
  });
  return new Map(rows.map((row) => [row.object, row.comment]));
}

/** What one statement of a migration leaves in the schema, by which migrate() tells it has run. */
export interface SchemaNeed {
  /** A table, or a `table.column`, as schemaObjects lists them. */
  object: string;
  /** The comment the statement gives that column, when setting it is all the statement does. */
  comment?: string;
}

const CREATE_TABLE = /^CREATE\s+TABLE\s+IF\s+NOT\s+EXISTS\s+(\w+)[\s(]/i;
const ADD_COLUMN = /^ALTER\s+TABLE\s+(\w+)\s+ADD\s+COLUMN\s+IF\s+NOT\s+EXISTS\s+(\w+)\s(.*)$/is;
// A literal without quotes or escapes inside: what ClickHouse keeps of it is then its text as written.
const COMMENT_COLUMN = /^ALTER\s+TABLE\s+(\w+)\s+COMMENT\s+COLUMN\s+(\w+)\s+'([^'\\]*)'$/i;

/** Whether a statement's tail holds a comma outside literals and parentheses: an ALTER of several commands. */
function hasTopLevelComma(sql: string): boolean {
  let flat = sql.replace(/'(?:[^'\\]|\\.)*'/g, "''");
  // The innermost parentheses out first, until none is left.
  while (/\([^()]*\)/.test(flat)) flat = flat.replace(/\([^()]*\)/g, "");
  return flat.includes(",");
}

/**
 * What a migration statement (as written, not in its cluster form) leaves in the schema:
 * `CREATE TABLE IF NOT EXISTS t` the table `t`, `ALTER TABLE t ADD COLUMN IF NOT EXISTS c` the
 * column `t.c`, `ALTER TABLE t COMMENT COLUMN c '…'` that comment on `t.c` (not merely the table: a
 * start stopped between a `CREATE TABLE … AS` and its `COMMENT COLUMN` left the source's comment on the
 * copy, and the migration must run again to set it). Any other statement
 * (another kind, a qualified or quoted name, an ALTER of several commands) is undefined: nothing in
 * the schema tells whether it ran, so its migration runs on every start.
 */
export function schemaNeedOf(statement: string): SchemaNeed | undefined {
  const created = CREATE_TABLE.exec(statement);
  if (created?.[1]) return { object: created[1] };
  const added = ADD_COLUMN.exec(statement);
  if (added?.[1] && added[2] && !hasTopLevelComma(added[3] ?? "")) return { object: `${added[1]}.${added[2]}` };
  const commented = COMMENT_COLUMN.exec(statement);
  if (commented?.[1] && commented[2]) return { object: `${commented[1]}.${commented[2]}`, comment: commented[3] ?? "" };
  return undefined;
}

/** Whether the schema holds all that a migration's statements leave: then running them again changes nothing. */
export function isApplied({ statements }: Migration, schema: ReadonlyMap<string, string>): boolean {
  return statements.every((statement) => {
    const need = schemaNeedOf(statement);
    return (
      need !== undefined &&
      schema.has(need.object) &&
      (need.comment === undefined || schema.get(need.object) === need.comment)
    );
  });
}

/**
 * Applies the migrations that are not yet applied (on a cluster: every one, ON CLUSTER, replicated).
 * No bookkeeping table: a migration is judged by the schema it leaves (schemaNeedOf), read at the
 * start, so an up-to-date store is sent no DDL (each ALTER rewrites metadata, tens of ms apiece:
 * docs/BENCHMARKS.md, "Decisions measured once"), and a store that lost a table or a column still gets it back.
 * A migration that runs runs whole: its statements are idempotent. On a cluster every statement runs,
 * as a replica added since needs the ON CLUSTER DDL its peers already hold.
 * Returns the migrations that changed the schema (none when it was up to date), told apart by the
 * tables and columns before and after each. Then fills the rollup partitions that lag behind their
 * per-minute sources (fillMissingRollups), and the CTR rollups' days that lag behind those
 * (fillMissingCtrDays).
 */
export async function migrate(
  store: Store,
  {
    onRollupFill,
    onCtrDayFill,
    onRelayout,
  }: {
    /** Called for each rollup partition filled from (or dropped with) its per-minute source. Default: nothing. */
    onRollupFill?: (fill: RollupFill) => void;
    /** Called for each GMT-3 day of the CTR rollups gathered (or dropped) because it was missing (or orphaned). Default: nothing. */
    onCtrDayFill?: (day: string) => void;
    /** Called for each table rebuilt to the current layout (an older store's upgrade). Default: nothing. */
    onRelayout?: (relayout: Relayout) => void;
  } = {},
): Promise<AppliedMigration[]> {
  await store.ensureDatabase();
  const migrations = migrationsFor(await readMigrations(), store.cluster);
  const applied: AppliedMigration[] = [];
  let before = await schemaObjects(store);
  for (const migration of migrations) {
    if (!store.cluster && isApplied(migration, before)) continue;
    for (const [i, query] of migration.statements.entries()) {
      await runCommand(store.client, { name: `${migration.name}#${i + 1}`, query });
    }
    const after = await schemaObjects(store);
    const added = [...after.keys()].filter((object) => !before.has(object)).sort();
    if (added.length > 0) applied.push({ ...migration, added });
    before = after;
  }
  if (store.cluster) await checkReplicated(store, migrations);
  // An up-to-date store stops here: the checks below read the whole history, so they run only when
  // the layout is older or a migration added a table (a new rollup, or one the store lost).
  if (applied.length === 0 && storeLayoutVersion(before) >= STORE_LAYOUT_VERSION) return applied;
  await relayoutTables(store, onRelayout);
  // A store that held per-minute rows before its rollups existed gains them here.
  const fills = await fillMissingRollups(store);
  for (const fill of fills) onRollupFill?.(fill);
  // A refilled rollup partition (a month) may have changed the CTR days its folders' windows reach.
  const refilledDays = fills.flatMap(({ partition }) => {
    const month = /^'?(\d{4})(\d{2})'?$/.exec(partition);
    if (!month) return [];
    const first = `${month[1]}-${month[2]}-01`;
    return ctrDaysOfFolders(first, lastDayOfMonth(first));
  });
  for (const day of await fillMissingCtrDays(store, refilledDays)) onCtrDayFill?.(day);
  await recordStoreLayout(store);
  return applied;
}

const CREATED_TABLE = /^\s*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:\w+\.)?`?(\w+)`?/i;

/**
 * On a cluster every table of the migrations must be replicated. A table created before
 * CLICKHOUSE_CLUSTER was set is still a plain MergeTree on one node (IF NOT EXISTS kept it): its
 * writes would not replicate, so this fails naming it rather than running on.
 */
export async function checkReplicated(store: Store, migrations: readonly Migration[]): Promise<void> {
  const names = migrations.flatMap((m) =>
    m.statements.flatMap((statement) => CREATED_TABLE.exec(statement)?.[1] ?? []),
  );
  const unreplicated = await queryRows(store.client, {
    name: "migrate.check_replicated",
    query: `SELECT name, engine FROM system.tables
            WHERE database = currentDatabase() AND name IN {names:Array(String)} AND NOT startsWith(engine, 'Replicated')
            ORDER BY name`,
    params: { names },
    schema: z.object({ name: z.string(), engine: z.string() }),
  });
  if (unreplicated.length > 0) {
    const list = unreplicated.map((t) => `${t.name} (${t.engine})`).join(", ");
    throw new Error(
      `CLICKHOUSE_CLUSTER is ${store.cluster} but these tables exist unreplicated: ${list}; ` +
        "they were created before the cluster was configured. Re-create them on the cluster and run `ctr rebuild`.",
    );
  }
}
