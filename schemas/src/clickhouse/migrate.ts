import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runCommand } from "./query.ts";
import type { Store } from "./store.ts";

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "migrations");

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
export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file)).sort();
  return Promise.all(
    files.map(async (name) => ({ name, statements: splitStatements(await readFile(path.join(dir, name), "utf8")) })),
  );
}

/**
 * Applies every migration. Each statement is idempotent (`IF NOT EXISTS`), so running them all
 * again on every start is safe and needs no bookkeeping table.
 */
export async function migrate(store: Store): Promise<Migration[]> {
  await store.ensureDatabase();
  const migrations = await readMigrations();
  for (const migration of migrations) {
    for (const [i, query] of migration.statements.entries()) {
      await runCommand(store.client, { name: `${migration.name}#${i + 1}`, query });
    }
  }
  return migrations;
}
