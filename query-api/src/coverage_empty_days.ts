import type { ClickHouseClient } from "@clickhouse/client";
import { EMPTY_SOURCE_DAYS_TABLE, PLATFORMS, type Platform, queryRows } from "@ctr/schemas";
import { z } from "zod";
import type { ViewsCoverage } from "./coverage_response.ts";

// "Listed, nothing there" apart from "never loaded": the platform-days a run listed without event
// files (empty_source_days_v1) join /coverage's views as `status: "empty"`; a day no run covered
// stays absent. A day with files is shown from its files, whatever a run found before.

const EmptyDayRowSchema = z.object({
  day: z.string(),
  platform: z.enum(PLATFORMS),
  listedAt: z.coerce.number().transform((ms) => new Date(ms).toISOString()),
});

/** The platform-days of the range listed without event files, by day and platform. */
export function readEmptyDays(
  client: ClickHouseClient,
  filters: { from: string; to: string; platform?: Platform },
): Promise<z.output<typeof EmptyDayRowSchema>[]> {
  return queryRows(client, {
    name: "coverage_empty_days",
    query: `
SELECT day, platform, toUnixTimestamp64Milli(min(listed_at)) AS listedAt
FROM ${EMPTY_SOURCE_DAYS_TABLE}
WHERE day BETWEEN {from:Date} AND {to:Date}${filters.platform ? " AND platform = {platform:String}" : ""}
GROUP BY day, platform
ORDER BY day, platform`,
    params: filters,
    schema: EmptyDayRowSchema,
  });
}

/** The loaded platform-days with the empty ones that have no files added, in (day, platform) order. */
export function withEmptyDays(
  loaded: ViewsCoverage[],
  empty: readonly z.output<typeof EmptyDayRowSchema>[],
): ViewsCoverage[] {
  const key = (d: { day: string; platform: string }) => `${d.day} ${d.platform}`;
  const known = new Set(loaded.map(key));
  const added: ViewsCoverage[] = empty
    .filter((d) => !known.has(key(d)))
    .map(({ day, platform, listedAt }) => ({
      platform,
      day,
      files: 0,
      bytes: 0,
      events: 0,
      views: 0,
      ignored: 0,
      malformed: 0,
      loadedAt: listedAt,
      status: "empty",
      failedFiles: [],
      fileList: [],
    }));
  if (added.length === 0) return loaded;
  return [...loaded, ...added].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
