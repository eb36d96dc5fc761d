import {
  CLICKHOUSE_GMT3,
  daysBetween,
  formatDay,
  migrate,
  PLATFORMS,
  PRODUCT_VIEWS_PER_MINUTE_TABLE,
  PURCHASES_PER_MINUTE_TABLE,
  queryRows,
  runCommand,
  type Store,
} from "@ctr/schemas";
import { z } from "zod";

/** The shape of the API store: how many days, products, and how busy a minute is. */
export interface ApiStoreSpec {
  /** First UTC day, `YYYY-MM-DD`. */
  firstDay: string;
  days: number;
  products: number;
  /** Mean product views per (minute, platform); purchases are about 1 in 30 of them. */
  viewsPerMinute: number;
  seed: number;
}

export interface ApiStoreCounts {
  viewRows: number;
  purchaseRows: number;
  views: number;
  purchases: number;
}

/** The code of the product at popularity rank `k` (0 = most viewed), in the catalog's `NNNNNNNN_NNN` form. */
export const productCode = (rank: number) => `${String(20_000_000 + rank).padStart(8, "0")}_001`;

/**
 * Draws `count` events per (minute, platform) of one UTC day, deterministically from the seed:
 * - a product at rank floor(products × u²), u uniform: the most viewed product is drawn ~100× more often
 *   than the median one and the tail is long, so most (minute, product) pairs stay empty;
 * - a diurnal rhythm: a minute keeps an event with probability 0.55 + 0.45 × sin(hour curve), peaking
 *   in the evening (GMT-3) as shop traffic does.
 * Returns the SELECT of (minute, platform, product) per event; the caller aggregates.
 */
function eventsOfDay(perMinute: number, stream: number): string {
  // `u` and `keep` come from independent hashes of the event number, the day and the stream.
  return `
    SELECT toDateTime({dayStart:UInt32} + intDiv(number, ${3 * perMinute}) * 60, 'UTC') AS minute,
           [${PLATFORMS.map((p) => `'${p}'`).join(", ")}][1 + intDiv(number, ${perMinute}) % 3] AS platform,
           concat(leftPad(toString(20000000 + toUInt32(floor({products:UInt32} * pow(
             (cityHash64(number, {dayStart:UInt32}, {seed:UInt32}, ${stream}) % 1000000) / 1000000, 2)))), 8, '0'), '_001') AS product
    FROM numbers(${1440 * 3 * perMinute})
    WHERE (cityHash64(number, {dayStart:UInt32}, {seed:UInt32}, ${stream + 1}) % 1000) / 1000
          < 0.55 + 0.45 * sin(2 * pi() * (toHour(toTimeZone(minute, '${CLICKHOUSE_GMT3}')) - 12) / 24)`;
}

const CountsSchema = z.object({
  rows: z.coerce.number(),
  total: z.coerce.number(),
});

async function countTable(store: Store, table: string, column: string): Promise<{ rows: number; total: number }> {
  const [row] = await queryRows(store.client, {
    name: `bench_count_${table}`,
    query: `SELECT count() AS rows, sum(${column}) AS total FROM ${table}`,
    schema: CountsSchema,
  });
  return row ?? { rows: 0, total: 0 };
}

/**
 * Fills the per-minute tables with synthetic traffic straight in SQL (INSERT ... SELECT over
 * numbers()), one day per statement so that each statement touches few partitions. Ingesting
 * 30 days of JSON would take far longer and measure the ingest again, not the API.
 */
export async function buildApiStore(store: Store, spec: ApiStoreSpec): Promise<ApiStoreCounts> {
  await migrate(store);
  const first = new Date(`${spec.firstDay}T00:00:00Z`);
  const last = formatDay(new Date(first.getTime() + (spec.days - 1) * 86_400_000));
  const purchasesPerMinute = Math.max(1, Math.round(spec.viewsPerMinute / 30));
  for (const day of daysBetween(spec.firstDay, last)) {
    const params = {
      dayStart: Date.parse(`${day}T00:00:00Z`) / 1000,
      products: spec.products,
      seed: spec.seed,
    };
    // Table names are the product's constants; the day, products and seed are bound.
    await runCommand(store.client, {
      name: "bench_fill_views",
      query: `INSERT INTO ${PRODUCT_VIEWS_PER_MINUTE_TABLE} (day, platform, minute, product, views)
              SELECT toDate(minute), platform, minute, product, count()
              FROM (${eventsOfDay(spec.viewsPerMinute, 1)}) GROUP BY minute, platform, product`,
      params,
    });
    await runCommand(store.client, {
      name: "bench_fill_purchases",
      query: `INSERT INTO ${PURCHASES_PER_MINUTE_TABLE} (day, platform, minute, product, purchases)
              SELECT toDate(toTimeZone(minute, '${CLICKHOUSE_GMT3}')), platform, minute, product, count()
              FROM (${eventsOfDay(purchasesPerMinute, 3)}) GROUP BY minute, platform, product`,
      params,
    });
  }
  await runCommand(store.client, {
    name: "bench_optimize_views",
    query: `OPTIMIZE TABLE ${PRODUCT_VIEWS_PER_MINUTE_TABLE} FINAL`,
  });
  await runCommand(store.client, {
    name: "bench_optimize_purchases",
    query: `OPTIMIZE TABLE ${PURCHASES_PER_MINUTE_TABLE} FINAL`,
  });
  const views = await countTable(store, PRODUCT_VIEWS_PER_MINUTE_TABLE, "views");
  const purchases = await countTable(store, PURCHASES_PER_MINUTE_TABLE, "purchases");
  return { viewRows: views.rows, purchaseRows: purchases.rows, views: views.total, purchases: purchases.total };
}
