import { loadConfig } from "@ctr/schemas";
import {
  type LoadSummary,
  loadOrders,
  OrdersDatabaseError,
  OrdersLoadError,
  openOrdersDatabase,
  type TableLoadCounts,
} from "@ctr/workers";
import { type Command, requireString } from "../command.ts";

/** Rows between two progress lines on stderr. */
const PROGRESS_EVERY = 100_000;

const counts = (c: TableLoadCounts) =>
  `${c.read} read, ${c.loaded} loaded, ${c.updated} updated, ${c.unchanged} unchanged, ${c.rejected} rejected`;

/** The summary users read: counts, unmapped device types, and where the rejected rows are. */
export function formatLoadSummary(summary: LoadSummary, database: string): string {
  const lines = [
    `orders database: ${database}`,
    `orders:      ${counts(summary.orders)}`,
    `order_items: ${counts(summary.items)}`,
  ];
  const unmapped = Object.entries(summary.unmappedDeviceTypes).sort(([a], [b]) => (a < b ? -1 : 1));
  lines.push(
    unmapped.length === 0
      ? "device types mapping to no platform: none"
      : `device types mapping to no platform (their orders never count as purchases): ${unmapped
          .map(([type, n]) => `${type} (${n} orders)`)
          .join(", ")}`,
  );
  if (summary.rejectedTotal > 0) {
    lines.push(
      `rejected rows: ${summary.rejectedTotal}${summary.rejectedTotal > summary.rejected.length ? `, the first ${summary.rejected.length}:` : ":"}`,
    );
    for (const row of summary.rejected) lines.push(`  ${row.file}:${row.line}: ${row.reason}`);
    const unlisted = summary.rejectedTotal - summary.rejected.length;
    if (unlisted > 0) lines.push(`  ... and ${unlisted} more`);
  }
  const rows = summary.orders.read + summary.items.read;
  lines.push(
    `done in ${(summary.elapsedMs / 1000).toFixed(1)} s (${Math.round(rows / Math.max(summary.elapsedMs / 1000, 0.001))} rows/s)`,
  );
  return `${lines.join("\n")}\n`;
}

export const ordersLoadCommand: Command = {
  name: "orders load",
  summary: "Load orders.csv and order_items.csv into the orders database",
  usage: "ctr orders load --orders FILE --items FILE",
  details: `Loads orders first, then items, into the database ORDERS_DATABASE_URL names (default: SQLite at
CTR_DATA_DIR/orders.sqlite), creating its tables. Rows are upserted by id: loading again never
duplicates, and a changed row is updated. Bad rows (a bad or missing field, a NUL byte, bytes that are
not UTF-8, an item of an unknown order, a second row of an id: the first one is loaded) are rejected
and listed with file and line; they do not stop the load. The counts are the rows this load inserted
or changed. Concurrent loads wait for each other's rows. Exit code 0 when the load completed (even
with rejected rows), 1 when it could not.`,
  options: { orders: { type: "string" }, items: { type: "string" } },
  async run(values) {
    const files = { orders: requireString(values, "orders"), items: requireString(values, "items") };
    const config = loadConfig();
    try {
      const db = await openOrdersDatabase(config.ordersDatabaseUrl);
      try {
        let next = PROGRESS_EVERY;
        const summary = await loadOrders(db, files, {
          onProgress: ({ file, rows }) => {
            if (rows < next) return;
            next = rows + PROGRESS_EVERY;
            process.stderr.write(`${file}: ${rows} rows\n`);
          },
        });
        process.stdout.write(formatLoadSummary(summary, db.label));
        return 0;
      } finally {
        await db.close();
      }
    } catch (error) {
      if (!(error instanceof OrdersLoadError || error instanceof OrdersDatabaseError)) throw error;
      process.stderr.write(`ctr orders load: ${error.message}\n`);
      return 1;
    }
  },
};
