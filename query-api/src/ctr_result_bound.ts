import {
  CLICKHOUSE_GMT3,
  CTR_PER_DAY_TABLE,
  CTR_PER_HOUR_TABLE,
  type CtrRequest,
  GMT3_OFFSET_MS,
  PLATFORMS,
  PRODUCT_VIEWS_PER_MINUTE_TABLE,
  PURCHASES_PER_MINUTE_TABLE,
  queryRows,
  type Store,
} from "@ctr/schemas";
import { z } from "zod";
import type { CtrQueryParams } from "./ctr_query.ts";

/**
 * How many rows a /ctr answer can have, known before its statement runs, from the row counts
 * ClickHouse keeps per data part (system.parts): no table is read, so the cost does not grow with
 * the history, only with its number of parts.
 *
 * - `atLeast` holds for requests over every product and platform (0 otherwise): the CTR rollups hold
 *   one row per (hour or GMT-3 day, platform, product) with a view or a purchase, and the purchases
 *   one row per (minute, platform, product), each key once in its partition. Every such row of a part
 *   that lies wholly inside the range puts its key into some bucket of the answer, and one answer row
 *   takes at most as many of them as its bucket spans hours, days or minutes. So the answer has at
 *   least that many rows: a request above MAX_RESULT_ROWS by this count is refused before the scan,
 *   and one whose answer fits is never refused by it.
 * - `atMost`: the per-minute rows of the partitions the statement reads; every answer row sums at
 *   least one of them. At or under MAX_RESULT_ROWS the request cannot be refused.
 */
export interface CtrRowBound {
  atLeast: number;
  atMost: number;
}

const PartRowsSchema = z.object({
  hourInside: z.coerce.number(),
  dayInside: z.coerce.number(),
  purchasesInside: z.coerce.number(),
  sourceRows: z.coerce.number(),
});

const HOUR_S = 3600;
const DAY_S = 86_400;

/**
 * One query over system.parts. A CTR rollup part lies inside [start, end) when its first period
 * starts at or after `start` and its last one ends by `end` (min_time/max_time: the parts' range of
 * `minute`, which the partition key is computed from); a purchases part when its GMT-3 days do
 * (min_date/max_date of `day`). The sources: the per-minute partitions of the days the statement reads.
 */
const PART_ROWS = `
SELECT
  sumIf(rows, table = '${CTR_PER_HOUR_TABLE}' AND toUInt32(min_time) >= {start:UInt32}
    AND toUInt32(max_time) + ${HOUR_S} <= {end:UInt32}) AS hourInside,
  sumIf(rows, table = '${CTR_PER_DAY_TABLE}' AND toUInt32(min_time) >= {start:UInt32}
    AND toUInt32(max_time) + ${DAY_S} <= {end:UInt32}) AS dayInside,
  sumIf(rows, table = '${PURCHASES_PER_MINUTE_TABLE}'
    AND toUInt32(toDateTime(min_date, '${CLICKHOUSE_GMT3}')) >= {start:UInt32}
    AND toUInt32(toDateTime(max_date, '${CLICKHOUSE_GMT3}')) + ${DAY_S} <= {end:UInt32}) AS purchasesInside,
  sumIf(rows, (table = '${PRODUCT_VIEWS_PER_MINUTE_TABLE}'
      AND max_date >= {viewsFirstDay:Date} AND min_date <= {viewsLastDay:Date})
    OR (table = '${PURCHASES_PER_MINUTE_TABLE}'
      AND max_date >= {purchasesFirstDay:Date} AND min_date <= {purchasesLastDay:Date})) AS sourceRows
FROM system.parts
WHERE active AND database = currentDatabase()
  AND table IN ('${CTR_PER_HOUR_TABLE}', '${CTR_PER_DAY_TABLE}', '${PRODUCT_VIEWS_PER_MINUTE_TABLE}', '${PURCHASES_PER_MINUTE_TABLE}')`;

/**
 * The most periods of `periodMinutes` (counted from GMT-3 midnights) that one bucket of the
 * request can touch: its buckets start at `start + k * aggregation`.
 */
export function periodsPerBucket(startMs: number, aggregation: number, periodMinutes: number): number {
  const offset = ((((startMs + GMT3_OFFSET_MS) / 60_000) % periodMinutes) + periodMinutes) % periodMinutes;
  // Every bucket starts on a period boundary when the start does and the width is a multiple.
  if (aggregation % periodMinutes === 0 && offset === 0) return aggregation / periodMinutes;
  // Every bucket stays inside one period when the width divides it and the start is on its grid.
  if (periodMinutes % aggregation === 0 && offset % aggregation === 0) return 1;
  // Otherwise the worst bucket starts on a period's last minute.
  return Math.floor((aggregation + periodMinutes - 2) / periodMinutes) + 1;
}

/**
 * The bound of a request's answer (see CtrRowBound): for one product, a row per bucket and platform
 * at most, known without a query (the front-end's commonest request pays nothing); else from one
 * query over system.parts.
 */
export async function boundCtrRows(
  store: Store,
  request: CtrRequest,
  params: CtrQueryParams,
  maxResultRows: number,
): Promise<CtrRowBound> {
  if (request.product !== undefined) {
    const buckets = Math.ceil((params.end - params.start) / params.step);
    const atMost = buckets * (request.platform === undefined ? PLATFORMS.length : 1);
    if (atMost <= maxResultRows) return { atLeast: 0, atMost };
  }
  const [parts] = await queryRows(store.client, {
    name: "ctr_row_bound",
    query: PART_ROWS,
    params: {
      start: params.start,
      end: params.end,
      viewsFirstDay: params.viewsFirstDay,
      viewsLastDay: params.viewsLastDay,
      purchasesFirstDay: params.purchasesFirstDay,
      purchasesLastDay: params.purchasesLastDay,
    },
    schema: PartRowsSchema,
  });
  if (!parts) return { atLeast: 0, atMost: 0 };
  const filtered = request.product !== undefined || request.platform !== undefined;
  const start = request.startTimestamp.epochMs;
  const atLeast = filtered
    ? 0
    : Math.max(
        Math.ceil(parts.hourInside / periodsPerBucket(start, request.aggregation, 60)),
        Math.ceil(parts.dayInside / periodsPerBucket(start, request.aggregation, 1440)),
        Math.ceil(parts.purchasesInside / request.aggregation),
      );
  return { atLeast, atMost: parts.sourceRows };
}
