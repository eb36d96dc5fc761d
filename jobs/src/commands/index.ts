import type { Command } from "../command.ts";
import { backfillCommand } from "./backfill.ts";
import { dailyCommand } from "./daily.ts";
import { demoCommand } from "./demo.ts";
import { generateCommand } from "./generate.ts";
import { migrateCommand } from "./migrate.ts";
import { ordersLoadCommand } from "./orders_load.ts";
import { rebuildCommand } from "./rebuild.ts";
import { serveCommand } from "./serve.ts";
import { statusCommand } from "./status.ts";
import { workerCommand } from "./worker.ts";

/** Every `ctr` command, in the order `ctr --help` lists them. */
export const COMMANDS: Command[] = [
  generateCommand,
  ordersLoadCommand,
  backfillCommand,
  dailyCommand,
  serveCommand,
  workerCommand,
  statusCommand,
  migrateCommand,
  rebuildCommand,
  demoCommand,
];
