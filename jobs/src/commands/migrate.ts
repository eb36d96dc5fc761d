import { loadConfig, migrate, openStore } from "@ctr/schemas";
import type { Command } from "../command.ts";

export const migrateCommand: Command = {
  name: "migrate",
  summary: "Apply the ClickHouse migrations (idempotent; also runs on every start)",
  usage: "ctr migrate",
  options: {},
  async run() {
    const config = loadConfig();
    const store = openStore(config.clickhouse);
    try {
      const applied = await migrate(store);
      for (const m of applied) process.stdout.write(`applied ${m.name} (${m.statements.length} statements)\n`);
      process.stdout.write(`ClickHouse (${store.kind}, database ${store.database}) is up to date\n`);
      return 0;
    } finally {
      await store.close();
    }
  },
};
