import { dayRangeFilterSchema, FILE_STATUSES, isIncompleteFile, PLATFORMS, queryRows } from "@ctr/schemas";
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "./app_env.ts";
import { emptyDaysWithoutFiles, readEmptyDays } from "./coverage_empty_days.ts";
import { type Coverage, CoverageSchema, type ViewsCoverage } from "./coverage_response.ts";
import { timeQuery } from "./metrics.ts";
import { DATA_ERRORS, inputError, serveOperation } from "./openapi.ts";
import { readQuery, refusalOf } from "./request_input.ts";
import { serverPathHider } from "./server_paths.ts";

// 64-bit counts arrive quoted (OUTPUT_SETTINGS); per-file and per-day counts fit a JS number.
const count = z.coerce.number();
const epochMsToIso = z.coerce.number().transform((ms) => new Date(ms).toISOString());

const IngestedFileRowSchema = z.object({
  day: z.string(),
  platform: z.enum(PLATFORMS),
  file: z.string(),
  size: count,
  batches: count,
  events: count,
  views: count,
  ignored: count,
  malformed: count,
  status: z.enum(FILE_STATUSES),
  reason: z.string(),
  loadedAt: epochMsToIso,
});
type IngestedFileRow = z.output<typeof IngestedFileRowSchema>;

const PurchaseSyncRowSchema = z.object({
  day: z.string(),
  orderItems: count,
  unmapped: count,
  excluded: count,
  syncedAt: epochMsToIso,
});

/** Groups the manifest's file rows (ordered by day, platform, file) into platform-days. */
function groupByPlatformDay(rows: IngestedFileRow[]): ViewsCoverage[] {
  const days: ViewsCoverage[] = [];
  for (const { day, platform, ...file } of rows) {
    let last = days.at(-1);
    if (last?.day !== day || last.platform !== platform) {
      last = {
        platform,
        day,
        files: 0,
        bytes: 0,
        events: 0,
        views: 0,
        ignored: 0,
        malformed: 0,
        loadedAt: "",
        status: "complete",
        failedFiles: [],
        fileList: [],
      };
      days.push(last);
    }
    last.files += 1;
    last.bytes += file.size;
    last.events += file.events;
    last.views += file.views;
    last.ignored += file.ignored;
    last.malformed += file.malformed;
    if (file.loadedAt > last.loadedAt) last.loadedAt = file.loadedAt;
    if (isIncompleteFile(file)) {
      last.status = "partial";
      last.failedFiles.push({ file: file.file, reason: file.reason });
    }
    last.fileList.push(file);
  }
  return days;
}

const CoverageQuerySchema = dayRangeFilterSchema();

export const coverageRoute = createRoute({
  method: "get",
  path: "/coverage",
  operationId: "getCoverage",
  tags: ["Data"],
  summary: "What is loaded: platform-days of views and days of purchases",
  description:
    "Loaded platform-days of views (folder days, UTC: files, counts, load times; `complete`, or `partial` with the files that could not be read) and synced GMT-3 days of purchases, so that missing data can be told from zero. The days are read with the same schema as a backfill's.",
  // The day range of ctr backfill and POST /jobs/backfill, with open ends.
  request: { query: CoverageQuerySchema },
  responses: {
    200: { description: "Coverage", content: { "application/json": { schema: CoverageSchema } } },
    ...inputError(refusalOf(CoverageQuerySchema, { from: "2016-02-02", to: "2016-02-01" })),
    ...DATA_ERRORS,
  },
});

/**
 * `GET /coverage[?from=D][&to=D][&platform=P]`: which platform-days of views are loaded (files, counts,
 * load times, complete or partial with the files that could not be read) and which GMT-3 days of
 * purchases were synced, so a front-end can tell "no data loaded" from "zero" and "incomplete".
 */
async function serveCoverage(c: Context<AppEnv>): Promise<Response> {
  const filters = readQuery(c, coverageRoute);
  const { client } = c.get("store");
  const metrics = c.get("metrics");
  const files = await timeQuery(metrics, "coverage_files", () =>
    queryRows(client, {
      name: "coverage_files",
      query: `
SELECT day, platform, file, size, batches, events, views, ignored, malformed, status, reason,
  toUnixTimestamp64Milli(loaded_at) AS loadedAt
FROM ingested_files_v1
WHERE day BETWEEN {from:Date} AND {to:Date}${filters.platform ? " AND platform = {platform:String}" : ""}
ORDER BY day, platform, file`,
      params: filters,
      schema: IngestedFileRowSchema,
    }),
  );
  const purchases = await timeQuery(metrics, "coverage_purchases", () =>
    queryRows(client, {
      name: "coverage_purchases",
      // ReplacingMergeTree keeps older syncs until a merge: the newest row of each day wins.
      query: `
SELECT day, argMax(order_items, synced_at) AS orderItems, argMax(unmapped, synced_at) AS unmapped,
  argMax(excluded, synced_at) AS excluded, toUnixTimestamp64Milli(max(synced_at)) AS syncedAt
FROM purchase_syncs_v1
WHERE day BETWEEN {from:Date} AND {to:Date}
GROUP BY day
ORDER BY day`,
      params: { from: filters.from, to: filters.to },
      schema: PurchaseSyncRowSchema,
    }),
  );
  const empty = await timeQuery(metrics, "coverage_empty_days", () => readEmptyDays(client, filters));
  // A file's reason is the engine's text (`open '/srv/.../x.ndjson'`): no server path may reach the client.
  const hide = serverPathHider(c.get("config"));
  const shown = files.map((file) => ({ ...file, file: hide(file.file), reason: hide(file.reason) }));
  const views = groupByPlatformDay(shown);
  const body: Coverage = { views, purchases, emptyDays: emptyDaysWithoutFiles(empty, views) };
  return c.json(body);
}

export function coverageRoutes(): OpenAPIHono<AppEnv> {
  const routes = new OpenAPIHono<AppEnv>();
  serveOperation(routes, coverageRoute, serveCoverage);
  return routes;
}
