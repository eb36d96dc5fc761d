import {
  createDatabaseStatement,
  createLogger,
  loadConfig,
  migrate,
  migrationsFor,
  plural,
  type RollupFill,
  readMigrations,
} from "@ctr/schemas";
import { openStore } from "@ctr/workers";
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
  const store = openStore(config.clickhouse, createLogger({ level: config.logLevel }), config);
  const where = `ClickHouse (${store.kind}, database ${store.database}${store.cluster ? `, on cluster ${store.cluster}` : ""})`;
  try {
    const fills: RollupFill[] = [];
    const ctrDays: string[] = [];
    const applied = await migrate(store, {
      onRollupFill: (fill) => fills.push(fill),
      onCtrDayFill: (day) => ctrDays.push(day),
      onRelayout: ({ table, rows }) =>
        process.stdout.write(`rebuilt ${table} partitioned by month: ${plural(rows, "row")} copied\n`),
    });
    if (applied.length === 0) process.stdout.write(`${where} is up to date: no migration to apply\n`);
    for (const m of applied) {
      const tables = m.added.filter((object) => !object.includes("."));
      const columns = m.added.length - tables.length;
      const added = [
        ...(tables.length > 0 ? [`${plural(tables.length, "table")} (${tables.join(", ")})`] : []),
        ...(columns > 0 ? [plural(columns, "column")] : []),
      ];
      process.stdout.write(`applied ${m.name} to ${where}: ${added.join(" and ")} added\n`);
    }
    if (fills.length > 0) {
      const tables = [...new Set(fills.map((f) => f.table))].join(", ");
      process.stdout.write(
        `filled the rollups from the per-minute tables: ${plural(fills.length, "partition")} of ${tables}\n`,
      );
    }
    if (ctrDays.length > 0) {
      process.stdout.write(
        `gathered the CTR rollups from the hourly and daily rollups: ${plural(ctrDays.length, "GMT-3 day")} (${ctrDays[0]} to ${ctrDays.at(-1)})\n`,
      );
    }
    return 0;
  } finally {
    await store.close();
  }
}
