import { formatLocation, loadConfig } from "@ctr/schemas";
import { runRebuild } from "../backfill/run_rebuild.ts";
import { type Command, UsageError } from "../command.ts";
import { readDayRange } from "./backfill.ts";

export const rebuildCommand: Command = {
  name: "rebuild",
  summary: "Rebuild ClickHouse from the Parquet in the sink",
  usage: "ctr rebuild [--from D --to D]",
  details: `Replaces the per-minute views and the file manifest of every (platform, day) found in
PARQUET_SINK with what its Parquet holds. With --from/--to, every (platform, day) of that range
(UTC days, both included) instead; days without Parquet are emptied.`,
  options: { from: { type: "string" }, to: { type: "string" } },
  async run(values) {
    const ranged = values.from !== undefined || values.to !== undefined;
    if (ranged && (values.from === undefined || values.to === undefined)) {
      throw new UsageError("--from and --to go together");
    }
    const range = ranged ? readDayRange(values) : undefined;
    const config = loadConfig();
    process.stderr.write(`rebuilding from ${formatLocation(config.parquetSink)}\n`);
    const results = await runRebuild(config, range, (r) =>
      process.stderr.write(`committed ${r.platform} ${r.day}: ${r.files} files, ${r.views} views, ${r.rows} rows\n`),
    );
    const views = results.reduce((n, r) => n + r.views, 0);
    const rows = results.reduce((n, r) => n + r.rows, 0);
    process.stdout.write(`rebuilt ${results.length} platform-days: ${views} views in ${rows} rows\n`);
    return 0;
  },
};
