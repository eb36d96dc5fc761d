import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { packageAsset } from "../runtime/package_asset.ts";
import { onCluster } from "./cluster_ddl.ts";
import { ctrDaysOfFolders, fillMissingCtrDays } from "./ctr_rollup_refresh.ts";
import { queryRows, runCommand } from "./query.ts";
import { fillMissingRollups, type RollupFill } from "./rollup_fill.ts";
import type { Store } from "./store.ts";

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

/** The database's tables and `table.column`s: what a migration of `IF NOT EXISTS` statements can add. */
async function schemaObjects(store: Store): Promise<Set<string>> {
  const rows = await queryRows(store.client, {
    name: "migrate.schema_objects",
    query: `SELECT name AS object FROM system.tables WHERE database = currentDatabase()
            UNION ALL
            SELECT concat(table, '.', name) AS object FROM system.columns WHERE database = currentDatabase()`,
    schema: z.object({ object: z.string() }),
  });
  return new Set(rows.map((row) => row.object));
}

/**
 * Applies every migration (on a cluster: ON CLUSTER, replicated). Each statement is idempotent
 * (`IF NOT EXISTS`), so running them all again on every start is safe and needs no bookkeeping table.
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
  }: {
    /** Called for each rollup partition filled from (or dropped with) its per-minute source. Default: nothing. */
    onRollupFill?: (fill: RollupFill) => void;
    /** Called for each GMT-3 day of the CTR rollups gathered (or dropped) because it was missing (or orphaned). Default: nothing. */
    onCtrDayFill?: (day: string) => void;
  } = {},
): Promise<AppliedMigration[]> {
  await store.ensureDatabase();
  const migrations = migrationsFor(await readMigrations(), store.cluster);
  const applied: AppliedMigration[] = [];
  let before = await schemaObjects(store);
  for (const migration of migrations) {
    for (const [i, query] of migration.statements.entries()) {
      await runCommand(store.client, { name: `${migration.name}#${i + 1}`, query });
    }
    const after = await schemaObjects(store);
    const added = [...after].filter((object) => !before.has(object)).sort();
    if (added.length > 0) applied.push({ ...migration, added });
    before = after;
  }
  if (store.cluster) await checkReplicated(store, migrations);
  // A store that held per-minute rows before its rollups existed gains them here: every process
  // migrates at start, so none serves a rollup that lacks a partition of its source.
  const fills = await fillMissingRollups(store);
  for (const fill of fills) onRollupFill?.(fill);
  // A refilled rollup partition may have changed the CTR days its folder's window reaches (or its GMT-3 day).
  const refilledDays = fills.flatMap(({ partition }) => {
    const day = /\d{4}-\d{2}-\d{2}/.exec(partition)?.[0];
    return day ? ctrDaysOfFolders(day, day) : [];
  });
  for (const day of await fillMissingCtrDays(store, refilledDays)) onCtrDayFill?.(day);
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
