import { formatLocation, loadConfig } from "@ctr/schemas";
import { runRebuild } from "../backfill/run_rebuild.ts";
import { type OptionValues, UsageError } from "../command.ts";
import { plural } from "../format.ts";
import { readDayRange } from "./backfill.ts";

/** `ctr rebuild`: flags and help in ./index.ts. */
export async function run(values: OptionValues): Promise<number> {
  const ranged = values.from !== undefined || values.to !== undefined;
  if (ranged && (values.from === undefined || values.to === undefined)) {
    throw new UsageError("--from and --to go together");
  }
  const range = ranged ? readDayRange(values) : undefined;
  const config = loadConfig();
  process.stderr.write(`rebuilding from ${formatLocation(config.parquetSink)}\n`);
  const results = await runRebuild(config, range, (r) =>
    process.stderr.write(
      `committed ${r.platform} ${r.day}: ${plural(r.files, "file")}, ${plural(r.views, "view")}, ${plural(r.rows, "row")}\n`,
    ),
  );
  const views = results.reduce((n, r) => n + r.views, 0);
  const rows = results.reduce((n, r) => n + r.rows, 0);
  process.stdout.write(
    `rebuilt ${plural(results.length, "platform-day")}: ${plural(views, "view")} in ${plural(rows, "row")}\n`,
  );
  return 0;
}
