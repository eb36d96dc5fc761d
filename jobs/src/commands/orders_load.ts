import { loadConfig, formatCount as n, plural } from "@ctr/schemas";
import {
  type LoadSummary,
  loadOrders,
  OrdersDatabaseError,
  OrdersLoadError,
  openOrdersDatabase,
  type TableLoadCounts,
} from "@ctr/workers";
import { type OptionValues, requireString } from "../command.ts";

/** Rows between two progress lines on stderr. */
const PROGRESS_EVERY = 100_000;

const counts = (c: TableLoadCounts) =>
  `${n(c.read)} read, ${n(c.loaded)} loaded, ${n(c.updated)} updated, ${n(c.unchanged)} unchanged, ${n(c.rejected)} rejected`;

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
          .map(([type, orders]) => `${type} (${plural(orders, "order")})`)
          .join(", ")}`,
  );
  if (summary.rejectedTotal > 0) {
    lines.push(
      `rejected rows: ${n(summary.rejectedTotal)}${summary.rejectedTotal > summary.rejected.length ? `, the first ${n(summary.rejected.length)}:` : ":"}`,
    );
    for (const row of summary.rejected) lines.push(`  ${row.file}:${row.line}: ${row.reason}`);
    const unlisted = summary.rejectedTotal - summary.rejected.length;
    if (unlisted > 0) lines.push(`  ... and ${n(unlisted)} more`);
  }
  const rows = summary.orders.read + summary.items.read;
  lines.push(
    `done in ${(summary.elapsedMs / 1000).toFixed(1)} s (${n(Math.round(rows / Math.max(summary.elapsedMs / 1000, 0.001)))} rows/s)`,
  );
  return `${lines.join("\n")}\n`;
}

/** `ctr orders load`: flags and help in ./index.ts. */
export async function run(values: OptionValues): Promise<number> {
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
          process.stderr.write(`${file}: ${plural(rows, "row")}\n`);
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
}
