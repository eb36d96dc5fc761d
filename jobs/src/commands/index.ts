import { type Command, notBuilt } from "../command.ts";
import { generateCommand } from "./generate.ts";
import { migrateCommand } from "./migrate.ts";

/** Every `ctr` command, in the order `ctr --help` lists them. */
export const COMMANDS: Command[] = [
  generateCommand,
  notBuilt(
    "orders load",
    "Load orders.csv and order_items.csv into the orders database",
    "ctr orders load --orders FILE --items FILE",
  ),
  notBuilt(
    "backfill",
    "Ingest the day folders D..D and sync purchases of those days",
    "ctr backfill --from D --to D [--platform P] [--source DIR|s3://...]",
  ),
  notBuilt("daily", "Incremental run: new or changed files, and the day's orders", "ctr daily [--date D]"),
  notBuilt("serve", "Serve the HTTP API", "ctr serve"),
  notBuilt("worker", "Run a queue worker (needs REDIS_URL)", "ctr worker"),
  notBuilt("status", "Show the progress of a job, or of recent jobs", "ctr status [JOB]"),
  migrateCommand,
  notBuilt("rebuild", "Rebuild ClickHouse from the Parquet in the sink", "ctr rebuild [--from D --to D]"),
  notBuilt("demo", "The whole demo on the embedded defaults (npm start)", "ctr demo"),
];
