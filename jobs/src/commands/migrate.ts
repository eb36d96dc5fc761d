import { createDatabaseStatement, loadConfig, migrate, migrationsFor, openStore, readMigrations } from "@ctr/schemas";
import type { OptionValues } from "../command.ts";

/** `ctr migrate`: flags and help in ./index.ts. */
export async function run(values: OptionValues): Promise<number> {
  const config = loadConfig();
  if (values.print === true) {
    const cluster = config.clickhouse.kind === "server" ? config.clickhouse.cluster : undefined;
    process.stdout.write(
      `-- In database ${config.clickhouse.database}, created first by: ${createDatabaseStatement(config.clickhouse.database, cluster)}\n`,
    );
    for (const migration of migrationsFor(await readMigrations(), cluster)) {
      process.stdout.write(`-- ${migration.name}\n${migration.statements.map((s) => `${s};\n`).join("\n")}\n`);
    }
    return 0;
  }
  const store = openStore(config.clickhouse);
  try {
    const applied = await migrate(store);
    for (const m of applied) process.stdout.write(`applied ${m.name} (${m.statements.length} statements)\n`);
    const where = store.cluster ? `, on cluster ${store.cluster}` : "";
    process.stdout.write(`ClickHouse (${store.kind}, database ${store.database}${where}) is up to date\n`);
    return 0;
  } finally {
    await store.close();
  }
}
