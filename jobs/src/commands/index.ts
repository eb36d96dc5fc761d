import { MAX_BACKFILL_DAYS } from "@ctr/schemas";
import type { CommandSpec } from "../command.ts";

// Only names, flags and help live here: `ctr --help` reads this file alone. Each command's
// implementation (and the engines it needs) is imported when that command runs.

const DAY = "D";

/** The exit codes of the commands that load data (backfill, daily). */
const EXIT_CODES = `Exit codes: 0 done; 1 a step failed or a day was refused; 2 misuse; 3 done, but some
platform-days are partial: files that could not be read (bad gzip, missing object) are listed, the
rest of their day is loaded, and the next run reads them again.`;

/** --allow-empty, of backfill and daily. */
const ALLOW_EMPTY = {
  type: "boolean",
  description:
    "replace loaded days with less: without it a platform-day whose listing is empty or lacks files that were loaded, and a day of purchases that returns no order items where an earlier sync had some, are refused (left as they were, reported, exit code 1)",
} as const;

const generateCommand: CommandSpec = {
  name: "generate",
  summary: "Write realistic sample events and orders CSVs",
  details: `Writes DIR/<platform>/<YYYY-MM-DD>/part-*.{json,ndjson,jsonl}[.gz] for iOS, Android and MobileWeb,
and DIR/orders.csv, DIR/order_items.csv for the same (GMT-3) days.`,
  flags: {
    from: { type: "string", value: DAY, description: "first day (default 2016-02-01)" },
    to: { type: "string", value: DAY, description: "last day, included (default 2016-02-03)" },
    scale: {
      type: "string",
      value: "N",
      description:
        "volume: 1 is about the real sample (47k views, 24 MB per platform-day), 400 about 10 GB a day, 0.01 small test data (default 1)",
    },
    out: {
      type: "string",
      value: "DIR",
      description: "output folder (default EVENTS_SOURCE when it is a folder, else CTR_DATA_DIR/raw)",
    },
    seed: {
      type: "string",
      value: "S",
      description: "PRNG seed, a whole number: the same flags give byte-identical files (default 1)",
    },
  },
  load: () => import("./generate.ts"),
};

const ordersLoadCommand: CommandSpec = {
  name: "orders load",
  summary: "Load orders.csv and order_items.csv into the orders database",
  details: `Loads orders first, then items, into the database ORDERS_DATABASE_URL names (default: SQLite at
CTR_DATA_DIR/orders.sqlite), creating its tables. Rows are upserted by id: loading again never
duplicates, and a changed row is updated. Bad rows (a bad or missing field, a NUL byte, bytes that are
not UTF-8, an item of an unknown order, a second row of an id: the first one is loaded) are rejected
and listed with file and line; they do not stop the load. A header naming a column twice, a quote
that breaks the file's structure (never closed, or text after it) and a batch the database cannot
write (a full disk) stop it, naming the line and the cause; whole batches before stay loaded. The
counts are the rows this load inserted or changed. Concurrent loads wait for each other's rows. Exit
code 0 when the load completed (even with rejected rows), 1 when it could not run or go on.`,
  flags: {
    orders: { type: "string", value: "FILE", description: "orders.csv (required)", required: true },
    items: { type: "string", value: "FILE", description: "order_items.csv (required)", required: true },
  },
  load: () => import("./orders_load.ts"),
};

const backfillCommand: CommandSpec = {
  name: "backfill",
  summary: "Ingest the day folders D..D and sync purchases of those days",
  details: `Reads <source>/<platform>/<day>/ for each day from..to (UTC days, both included) into
Parquet under PARQUET_SINK and per-minute views in ClickHouse, then syncs the purchases of those
days (GMT-3) from the orders database as it is now. Re-running gives the same totals, and syncs
orders loaded since. Days the source has no event files for are named under NO FILES.
Shards run WORKER_CONCURRENCY at once (default: the number of cores), each at most
SHARD_MAX_BYTES of source files.
With REDIS_URL the backfill is a BullMQ flow run by \`ctr worker\` processes; this command follows it.
${EXIT_CODES}`,
  flags: {
    from: {
      type: "string",
      value: DAY,
      description: `first day, YYYY-MM-DD (required); one run covers at most ${MAX_BACKFILL_DAYS.toLocaleString("en-US")} days`,
      required: true,
    },
    to: { type: "string", value: DAY, description: "last day, included, YYYY-MM-DD (required)", required: true },
    platform: { type: "string", value: "P", description: "iOS, Android or MobileWeb (default: all three)" },
    source: {
      type: "string",
      value: "DIR|s3://...",
      description: "a folder or s3://bucket/prefix (default: EVENTS_SOURCE)",
    },
    "allow-empty": ALLOW_EMPTY,
    "no-wait": {
      type: "boolean",
      description: "with REDIS_URL: submit the flow, print its job id and return (see `ctr status JOB`)",
    },
  },
  load: () => import("./backfill.ts"),
};

const dailyCommand: CommandSpec = {
  name: "daily",
  summary: "Incremental run: new or changed files, and the day's orders",
  usage: "[--date D] [--allow-empty] | --schedule CRON | --unschedule",
  details: `Processes --date plus every day whose files are new or changed against the manifest (size and
etag), failed before, or gone: only those files are read again, then each such day is committed from
all its Parquet, and the day's purchases are synced from the orders database as it is now. Unchanged
files are not re-read. In-process, or a BullMQ flow with REDIS_URL.
${EXIT_CODES}`,
  flags: {
    date: { type: "string", value: DAY, description: "the day, YYYY-MM-DD (default: yesterday, UTC)" },
    "allow-empty": ALLOW_EMPTY,
    schedule: {
      type: "string",
      value: "CRON",
      description:
        'with REDIS_URL: run it on a cron schedule (UTC), e.g. "30 2 * * *"; the process consuming the store queue runs it (ctr serve when ClickHouse is embedded)',
    },
    unschedule: { type: "boolean", description: "remove that schedule" },
  },
  load: () => import("./daily.ts"),
};

const portFlag = { type: "string", value: "N", description: "TCP port (default PORT, 3000)" } as const;

const serveCommand: CommandSpec = {
  name: "serve",
  summary: "Serve the HTTP API",
  details: `Serves /ctr, /products, /coverage, /healthz, /readyz, /metrics, /openapi.json, /docs and the
CTR explorer page at /. Applies the ClickHouse migrations first. Stops gracefully on SIGTERM or SIGINT, or when the npm process that
started it is gone. With the embedded store it is the one process using CTR_DATA_DIR: backfills go
through POST /jobs/backfill while it runs.`,
  flags: { port: portFlag },
  load: () => import("./serve.ts"),
};

const workerCommand: CommandSpec = {
  name: "worker",
  summary: "Run a queue worker (needs REDIS_URL)",
  details: `Consumes the shard queue (WORKER_CONCURRENCY at once) and the backfill parents. With
CLICKHOUSE_URL it also consumes the store queue (commits, purchase syncs, the daily schedule); in the
embedded deployment those run in the process owning chDB (ctr backfill, ctr serve).
Fails at start (exit 1, naming REDIS_URL) when Redis cannot be reached. Once running it rides out
a Redis outage: one log line per reconnect attempt (every 0.2 s to 5 s), one when it is back.
On SIGTERM it stops taking jobs and lets the active ones finish for up to
WORKER_SHUTDOWN_TIMEOUT_MS; jobs still running then are released (another worker retries them).
Lock settings: WORKER_LOCK_DURATION_MS, WORKER_STALLED_INTERVAL_MS; Redis keys under QUEUE_PREFIX.`,
  flags: {},
  load: () => import("./worker.ts"),
};

const statusCommand: CommandSpec = {
  name: "status",
  summary: "Show the progress of a job, or of recent jobs",
  details: `With a job id (as ctr backfill --no-wait or POST /jobs/backfill printed it): its state,
progress, counts, malformed records and failed steps. Without: the 10 most recent backfills.
With REDIS_URL it reads the queue; without, the runs recorded in the store (backfills and dailies
run by ctr backfill, ctr daily, ctr demo or ctr serve). Exit code 1 when the job is unknown, failed,
or refused a day; 3 when it completed with partial platform-days (files that could not be read).`,
  flags: {},
  positional: { name: "job", description: "a job id (default: list the recent ones)" },
  load: () => import("./status.ts"),
};

const migrateCommand: CommandSpec = {
  name: "migrate",
  summary: "Apply the ClickHouse migrations (idempotent; also runs on every start)",
  details: `Creates the database (CLICKHOUSE_DATABASE) and the engine's tables. With CLICKHOUSE_CLUSTER every
statement runs ON CLUSTER and the tables are ReplicatedMergeTree (infra/clickhouse/README.md).
Then fills the hourly and daily rollups where they lack a partition of their per-minute table: a store
loaded before the rollups existed gains them here, from its per-minute rows.`,
  flags: {
    print: {
      type: "boolean",
      description:
        "print the statements instead, as they would run (with CLICKHOUSE_CLUSTER: the cluster form), without connecting to ClickHouse",
    },
  },
  load: () => import("./migrate.ts"),
};

const rebuildCommand: CommandSpec = {
  name: "rebuild",
  summary: "Rebuild ClickHouse from the Parquet in the sink",
  usage: "[--from D --to D] [--allow-empty]",
  details: `Replaces the per-minute views, their hourly and daily rollups and the file manifest of every
(platform, day) found in PARQUET_SINK with what its Parquet holds. With --from/--to, every
(platform, day) of that range (UTC days, both included) instead. The purchases' rollups are rebuilt
from the per-minute purchases (of every day, or of the range's days). A day whose loaded files have no outputs in the sink (an empty
or wrong PARQUET_SINK) is refused and left as it was, unless --allow-empty.
Exit codes: 0 done; 1 a day was refused; 2 misuse.`,
  flags: {
    from: { type: "string", value: DAY, description: "first day, YYYY-MM-DD (with --to)" },
    to: { type: "string", value: DAY, description: "last day, included (with --from)" },
    "allow-empty": {
      type: "boolean",
      description:
        "replace loaded days with what the sink holds, even less: without it a platform-day whose loaded files have no outputs in the sink is refused (left as it was, reported, exit code 1)",
    },
  },
  load: () => import("./rebuild.ts"),
};

const demoCommand: CommandSpec = {
  name: "demo",
  summary: "The whole demo on the embedded defaults (npm start)",
  details: `Generates sample data when EVENTS_SOURCE (default CTR_DATA_DIR/raw) has no day folders, loads
orders.csv/order_items.csv into the orders database, backfills every day folder found (views and
purchases), then serves the API and prints example queries. Every step is idempotent: run it again
at will. Stops on SIGTERM or Ctrl-C, or when the npm process that started it is gone.`,
  flags: {
    scale: {
      type: "string",
      value: "N",
      description: "volume of generated data (default 0.25; 1 is about the real sample)",
    },
    sample: {
      type: "string",
      value: "FILE",
      description:
        "serve a real export instead of generated data, e.g. ../shared/data/productEvent_20160201.json.gz (its UTC day from its name), laid out under CTR_DATA_DIR/sample",
    },
    "sample-platform": { type: "string", value: "P", description: "the platform of --sample (default MobileWeb)" },
    port: portFlag,
  },
  load: () => import("./demo.ts"),
};

/** What each group of two-word commands (`orders load`) is about, for `ctr <group> --help`. */
export const COMMAND_GROUPS: Readonly<Record<string, string>> = {
  orders: "The orders database: load the shop's orders and order items CSV exports into it",
};

/** Every `ctr` command, in the order `ctr --help` lists them. */
export const COMMANDS: readonly CommandSpec[] = [
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
