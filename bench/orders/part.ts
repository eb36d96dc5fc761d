import { writeFile } from "node:fs/promises";
import path from "node:path";
import { createTestDatabase, DATABASE_KINDS, type DatabaseKind } from "../../test/support/fresh_databases.ts";
import { type MeasuredRun, runMeasuredChild } from "../measured_child.ts";
import { type BenchRow, describeMachine, MB, ms, writeResult } from "../report.ts";
import { type OrdersInput, prepareOrdersInput } from "./input.ts";
import { importWithClient } from "./native_baseline.ts";

export interface OrdersOptions {
  /** `ctr generate --scale` of the orders (two days). Default 25: about 250k rows, a few seconds a load. */
  scale: number;
  seed: string;
  workDir: string;
  verbose: boolean;
}

interface LoadCounts {
  read: number;
  loaded: number;
  updated: number;
  unchanged: number;
  rejected: number;
}
interface LoadDetail {
  orders: LoadCounts;
  items: LoadCounts;
  rejected: number;
}
interface SyncDetail {
  purchases: number;
  unmapped: number;
  rows: number;
  extractMs: number;
  extractCpuMs: number;
  extractItems: number;
}
interface QueryDetail {
  items: number;
  groups: number;
  elapsedMs: number;
}

/** The client whose CSV import is the load's baseline, per database. */
const IMPORT_CLIENT: Record<DatabaseKind, string> = {
  sqlite: "sqlite3 .import",
  mariadb: "LOAD DATA LOCAL INFILE",
  postgres: "psql \\copy",
};

/** What one database measured, in the figures the results file keeps. */
interface KindResult {
  importMs: number;
  load: { elapsedMs: number; cpuMs: number; rowsPerS: number; peakRssMb: number; detail: LoadDetail };
  reload: { elapsedMs: number; cpuMs: number; rowsPerS: number; detail: LoadDetail };
  sync: { elapsedMs: number; cpuMs: number; itemsPerS: number; detail: SyncDetail };
  query: { elapsedMs: number; detail: QueryDetail };
  loadToImport: number;
  extractToQuery: number;
  countsAgree: boolean;
}

async function measureKind(kind: DatabaseKind, input: OrdersInput, inputFile: string, options: OrdersOptions) {
  const rows = input.orders + input.items;
  // The baseline imports into a database of its own: the product's load starts from empty tables too.
  const baseline = await createTestDatabase(kind, "ctr_bench");
  let importMs: number;
  try {
    process.stderr.write(`bench orders: ${kind}: ${IMPORT_CLIENT[kind]}\n`);
    importMs = await importWithClient(kind, baseline.url, input);
  } finally {
    await baseline.drop();
  }
  const database = await createTestDatabase(kind, "ctr_bench");
  try {
    const child = <D>(run: string): Promise<MeasuredRun<D>> => {
      process.stderr.write(`bench orders: ${kind}: ${run}\n`);
      return runMeasuredChild<D>("orders/measure.ts", [run, kind, database.url, inputFile, options.workDir], {
        verbose: options.verbose,
      });
    };
    const load = await child<LoadDetail>("load");
    const reload = await child<LoadDetail>("reload");
    const sync = await child<SyncDetail>("sync");
    const query = await child<QueryDetail>("query");
    const purchases = Object.values(input.purchasesByDay).reduce((a, b) => a + b, 0);
    const result: KindResult = {
      importMs: ms(importMs),
      load: {
        elapsedMs: ms(load.elapsedMs),
        cpuMs: ms(load.cpuMs),
        rowsPerS: rows / (load.elapsedMs / 1000),
        peakRssMb: load.peakRssBytes / MB,
        detail: load.detail,
      },
      reload: {
        elapsedMs: ms(reload.elapsedMs),
        cpuMs: ms(reload.cpuMs),
        rowsPerS: rows / (reload.elapsedMs / 1000),
        detail: reload.detail,
      },
      sync: {
        elapsedMs: ms(sync.elapsedMs),
        cpuMs: ms(sync.cpuMs),
        itemsPerS: input.items / (sync.elapsedMs / 1000),
        detail: { ...sync.detail, extractMs: ms(sync.detail.extractMs), extractCpuMs: ms(sync.detail.extractCpuMs) },
      },
      query: { elapsedMs: ms(query.detail.elapsedMs), detail: query.detail },
      loadToImport: load.elapsedMs / importMs,
      extractToQuery: sync.detail.extractMs / query.detail.elapsedMs,
      countsAgree:
        load.detail.orders.loaded === input.orders &&
        load.detail.items.loaded === input.items &&
        reload.detail.orders.unchanged === input.orders &&
        reload.detail.items.unchanged === input.items &&
        sync.detail.purchases === purchases &&
        sync.detail.unmapped === input.itemsWithoutPlatform &&
        sync.detail.extractItems === input.items &&
        query.detail.items === input.items,
    };
    if (!result.countsAgree) {
      process.stderr.write(
        `bench orders: ${kind}: counts differ from the generator's (${input.orders} orders, ${input.items} items, ${purchases} purchases): ${JSON.stringify({ load: load.detail, reload: reload.detail, sync: sync.detail, query: query.detail })}\n`,
      );
    }
    return result;
  } finally {
    await database.drop();
  }
}

/**
 * The orders part: `ctr orders load` (loadOrders) and the purchase sync of the orders' days on
 * SQLite, MariaDB and PostgreSQL, each next to a baseline measured in the same run: the database's
 * own CSV import of the same files, and the sync's grouped query through the bare driver. Writes
 * bench/results/orders.json.
 */
export async function runOrdersPart(options: OrdersOptions): Promise<BenchRow[]> {
  const input = await prepareOrdersInput(options.workDir, options.scale, options.seed);
  const inputFile = path.join(options.workDir, "orders-input.json");
  await writeFile(inputFile, JSON.stringify(input));
  const machine = describeMachine();
  const kinds: Partial<Record<DatabaseKind, KindResult>> = {};
  for (const kind of DATABASE_KINDS) kinds[kind] = await measureKind(kind, input, inputFile, options);
  await writeResult("orders", {
    part: "orders",
    measuredAt: new Date().toISOString(),
    machine: { ...machine, loadAverageAfter: describeMachine().loadAverage },
    input,
    kinds,
  });
  const rows: BenchRow[] = [];
  for (const [kind, r] of Object.entries(kinds) as [DatabaseKind, KindResult][]) {
    const part = `orders ${kind}`;
    rows.push(
      { part, figure: "load time", value: r.load.elapsedMs / 1000, unit: "s" },
      { part, figure: "load rows/s", value: r.load.rowsPerS, unit: "rows/s" },
      { part, figure: `${IMPORT_CLIENT[kind]} time`, value: r.importMs / 1000, unit: "s" },
      { part, figure: `load / ${IMPORT_CLIENT[kind]}`, value: r.loadToImport, unit: "×" },
      { part, figure: "load CPU time", value: r.load.cpuMs / 1000, unit: "s" },
      { part, figure: "load peak RSS", value: r.load.peakRssMb, unit: "MB" },
      { part, figure: "reload (all unchanged) rows/s", value: r.reload.rowsPerS, unit: "rows/s" },
      { part, figure: "reload CPU time", value: r.reload.cpuMs / 1000, unit: "s" },
      { part, figure: "sync items/s (with ClickHouse)", value: r.sync.itemsPerS, unit: "items/s" },
      { part, figure: "sync's extract time", value: r.sync.detail.extractMs / 1000, unit: "s" },
      { part, figure: "sync's extract CPU time", value: r.sync.detail.extractCpuMs / 1000, unit: "s" },
      { part, figure: "extract / bare driver query", value: r.extractToQuery, unit: "×" },
      {
        part,
        figure: "counts agree",
        value: r.countsAgree ? 1 : 0,
        unit: "bool",
        target: "1",
        ok: r.countsAgree,
      },
    );
  }
  return rows;
}
