/**
 * The /ctr statement's variants on the week store, interleaved request by request in one run, by
 * hand (not part of `npm run bench`; no server may hold the store):
 *   node --import tsx bench/api/week/variants.ts <dataDir> <week-requests.json> [n]
 * Each runs through chDB's own session (no client), so only the SQL differs: the API's statement on
 * the hourly CTR rollup (one table, a partition per GMT-3 day), the same request on the per-source
 * hourly rollups (two tables partitioned like their sources, UNION ALL) and on the per-minute tables
 * (UNION ALL, and the FULL OUTER JOIN form), the per-minute UNION ALL also with the client's per-query
 * `SET`s in front (what @clickhouse/client's default settings cost on chDB) and on one thread; it
 * checks that all give the same rows.
 */
import { readFile } from "node:fs/promises";
import { buildCtrQuery, PER_MINUTE_TABLES } from "@ctr/query-api";
import {
  loadConfig,
  OUTPUT_SETTINGS,
  PRODUCT_VIEWS_PER_HOUR_TABLE,
  PURCHASES_PER_HOUR_TABLE,
  parseCtrRequest,
} from "@ctr/schemas";
import { Session } from "chdb";
import { joinRows } from "../join_rows.ts";
import type { WeekRequests } from "./floor.ts";

const [dataDir, requestsFile, countText] = process.argv.slice(2);
if (!dataDir || !requestsFile) throw new Error("usage: variants.ts <dataDir> <week-requests.json> [n]");
const requests = (JSON.parse(await readFile(requestsFile, "utf8")) as WeekRequests).sequential.slice(
  0,
  Number(countText ?? 150),
);
const SETTINGS =
  "\nSETTINGS output_format_json_quote_64bit_integers = 0, output_format_decimal_trailing_zeros = 1, max_result_rows = 1000000, result_overflow_mode = 'throw'";
const SETS = Object.entries(OUTPUT_SETTINGS)
  .map(([k, v]) => `SET ${k} = ${typeof v === "string" ? `'${v}'` : Number(v)}; `)
  .join("");
const clickhouse = loadConfig({ CTR_DATA_DIR: dataDir }).clickhouse;
if (clickhouse.kind !== "embedded") throw new Error("variants.ts measures the embedded store");
const session = new Session(clickhouse.path);
const times: Record<string, number[]> = {};
let differ = 0;
for (const request of requests) {
  const parsed = parseCtrRequest({
    startTimestamp: `${request.day} 00:00:00`,
    endTimestamp: `${new Date(Date.parse(`${request.day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10)} 00:00:00`,
    aggregation: "60",
    product: request.product,
  });
  if (!parsed.ok) throw new Error(parsed.error.message);
  const query = buildCtrQuery(parsed.request);
  const perSource = buildCtrQuery(parsed.request, {
    grainMinutes: 60,
    views: PRODUCT_VIEWS_PER_HOUR_TABLE,
    purchases: PURCHASES_PER_HOUR_TABLE,
  });
  const perMinute = buildCtrQuery(parsed.request, PER_MINUTE_TABLES);
  const variants: Record<string, string> = {
    "CTR rollup": `${query.rows}${SETTINGS}`,
    "per-source hourly rollups, union": `${perSource.rows}${SETTINGS}`,
    "per-minute, union": `${perMinute.rows}${SETTINGS}`,
    "per-minute, join": `${joinRows(query.params)}${SETTINGS}`,
    "per-minute, union + SETs": `${SETS}${perMinute.rows}${SETTINGS}`,
    "per-minute, union, max_threads = 1": `${perMinute.rows}${SETTINGS}, max_threads = 1`,
  };
  const texts: string[] = [];
  for (const [name, sql] of Object.entries(variants)) {
    const t0 = performance.now();
    texts.push((await session.queryBindAsync(sql, { ...query.params }, { format: "JSONEachRow" })).text());
    const elapsed = performance.now() - t0;
    times[name] = [...(times[name] ?? []), elapsed];
  }
  if (new Set(texts).size !== 1) differ++;
}
session.close();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
process.stdout.write(
  `${JSON.stringify({
    requests: requests.length,
    differ,
    medianMs: Object.fromEntries(Object.entries(times).map(([k, v]) => [k, Math.round(median(v) * 10) / 10])),
  })}\n`,
);
