import { type Command, notBuilt } from "../command.ts";
import { backfillCommand } from "./backfill.ts";
import { demoCommand } from "./demo.ts";
import { generateCommand } from "./generate.ts";
import { migrateCommand } from "./migrate.ts";
import { ordersLoadCommand } from "./orders_load.ts";
import { rebuildCommand } from "./rebuild.ts";
import { serveCommand } from "./serve.ts";

/** Every `ctr` command, in the order `ctr --help` lists them. */
export const COMMANDS: Command[] = [
  generateCommand,
  ordersLoadCommand,
  backfillCommand,
  notBuilt("daily", "Incremental run: new or changed files, and the day's orders", "ctr daily [--date D]"),
  serveCommand,
  notBuilt("worker", "Run a queue worker (needs REDIS_URL)", "ctr worker"),
  notBuilt("status", "Show the progress of a job, or of recent jobs", "ctr status [JOB]"),
  migrateCommand,
  rebuildCommand,
  demoCommand,
];
