/**
 * One measured orders run in its own process (its peak RSS is its own):
 *   measure.ts load|reload|sync|query <sqlite|mariadb|postgres> <database URL> <input.json> <workDir>
 * `load` and `reload` run the product's loadOrders (`ctr orders load`) over the input's CSVs; `sync`
 * runs the product's purchase sync of each day into an embedded ClickHouse, then times the orders
 * database's part of it (extractDayPurchases) alone, best of 3; `query` runs the sync's grouped query
 * through the bare driver (native_baseline.ts), best of 3. Prints the result line of measured_child.ts.
 */
import { mkdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { formatDay, migrate, parseDay } from "@ctr/schemas";
import { extractDayPurchases, loadOrders, openOrdersDatabase, openStore, syncPurchases } from "@ctr/workers";
import { DATABASE_KINDS, type DatabaseKind } from "../../test/support/fresh_databases.ts";
import { reportMeasured } from "../measured_child.ts";
import type { OrdersInput } from "./input.ts";
import { queryWithDriver } from "./native_baseline.ts";

/** Runs of the (short) extract and bare query, the best kept. */
const REPEATS = 3;

const [run, kindText, url, inputFile, workDir] = process.argv.slice(2);
if (!run || !kindText || !url || !inputFile || !workDir) {
  throw new Error("usage: measure.ts load|reload|sync|query <kind> <url> <input.json> <workDir>");
}
if (!(DATABASE_KINDS as readonly string[]).includes(kindText)) throw new Error(`unknown database kind '${kindText}'`);
const kind = kindText as DatabaseKind;
const input = JSON.parse(await readFile(inputFile, "utf8")) as OrdersInput;
const files = { orders: input.ordersFile, items: input.itemsFile };

/** [day 00:00:00, next day 00:00:00) of each input day, as the sync reads it. */
function dayRanges(): [string, string][] {
  return input.days.map((day) => {
    const next = formatDay(new Date((parseDay(day)?.getTime() ?? Number.NaN) + 86_400_000));
    return [`${day} 00:00:00`, `${next} 00:00:00`];
  });
}

if (run === "load" || run === "reload") {
  const db = await openOrdersDatabase(url);
  await reportMeasured(async () => {
    const summary = await loadOrders(db, files);
    return { orders: summary.orders, items: summary.items, rejected: summary.rejectedTotal };
  });
  await db.close();
} else if (run === "sync") {
  const db = await openOrdersDatabase(url);
  const dir = path.join(workDir, `sync-${kind}`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const store = openStore({ kind: "embedded", path: path.join(dir, "clickhouse"), database: "default" });
  await migrate(store);
  const config = { purchaseExcludedStatuses: [] };
  await reportMeasured(
    async () => {
      let purchases = 0;
      let unmapped = 0;
      let rows = 0;
      for (const day of input.days) {
        const result = await syncPurchases({ day }, { store, orders: db, config });
        purchases += result.purchases;
        unmapped += result.unmapped;
        rows += result.rows;
      }
      return { purchases, unmapped, rows };
    },
    async () => {
      // Best of REPEATS: a run of about a second moves with whatever else the shared cores do.
      let extractMs = Number.POSITIVE_INFINITY;
      let extractCpuMs = Number.POSITIVE_INFINITY;
      let extractItems = 0;
      for (let i = 0; i < REPEATS; i++) {
        const started = performance.now();
        const cpu = process.cpuUsage();
        extractItems = 0;
        for (const day of input.days) {
          const extracted = await extractDayPurchases(db, day);
          extractItems += extracted.orderItems + extracted.unmapped;
        }
        extractMs = Math.min(extractMs, performance.now() - started);
        const used = process.cpuUsage(cpu);
        extractCpuMs = Math.min(extractCpuMs, (used.user + used.system) / 1000);
      }
      return { extractMs, extractCpuMs, extractItems };
    },
  );
  await store.close();
  await db.close();
} else if (run === "query") {
  await reportMeasured(() => queryWithDriver(kind, url, dayRanges(), REPEATS));
} else {
  throw new Error(`unknown orders run '${run}': load, reload, sync or query`);
}
