import { formatLocation, loadConfig, plural } from "@ctr/schemas";
import { runRebuild } from "../backfill/run_rebuild.ts";
import { EXIT } from "../backfill/summary.ts";
import { type OptionValues, UsageError } from "../command.ts";
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
  const { commits, refused, purchaseRollups } = await runRebuild(
    config,
    range,
    (r) =>
      process.stderr.write(
        `committed ${r.platform} ${r.day}: ${plural(r.files, "file")}, ${plural(r.views, "view")}, ${plural(r.rows, "row")}\n`,
      ),
    undefined,
    { allowEmpty: values["allow-empty"] === true },
  );
  process.stderr.write(
    `rebuilt the purchases' hourly and daily rollups from their per-minute rows: ${plural(purchaseRollups.length, "partition")}\n`,
  );
  const views = commits.reduce((n, r) => n + r.views, 0);
  const rows = commits.reduce((n, r) => n + r.rows, 0);
  const lines = [
    `rebuilt ${plural(commits.length, "platform-day")}: ${plural(views, "view")} in ${plural(rows, "row")}`,
  ];
  if (refused.length > 0) {
    lines.push(`REFUSED     ${plural(refused.length, "day")} left as they were:`);
    for (const r of refused) lines.push(`  ${r.step}: ${r.message}`);
  }
  process.stdout.write(`${lines.join("\n")}\n`);
  return refused.length > 0 ? EXIT.failed : EXIT.ok;
}
