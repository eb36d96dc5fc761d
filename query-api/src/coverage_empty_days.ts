import type { ClickHouseClient } from "@clickhouse/client";
import { EMPTY_SOURCE_DAYS_TABLE, PLATFORMS, type Platform, queryRows } from "@ctr/schemas";
import { z } from "zod";
import type { EmptyDay, ViewsCoverage } from "./coverage_response.ts";

// "Listed, nothing there" apart from "never loaded": the platform-days a run listed without event
// files (empty_source_days_v1) are /coverage's `emptyDays`; a day no run covered is in no list. A
// day with files is shown from its files under `views`, whatever a run found before.

const EmptyDayRowSchema = z.object({
  day: z.string(),
  platform: z.enum(PLATFORMS),
  listedAt: z.coerce.number().transform((ms) => new Date(ms).toISOString()),
});

/** The platform-days of the range listed without event files, by day and platform. */
export function readEmptyDays(
  client: ClickHouseClient,
  filters: { from: string; to: string; platform?: Platform },
): Promise<EmptyDay[]> {
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

/** The empty platform-days that hold no loaded file now (one whose files came later is a loaded day). */
export function emptyDaysWithoutFiles(empty: readonly EmptyDay[], loaded: readonly ViewsCoverage[]): EmptyDay[] {
  const known = new Set(loaded.map((d) => `${d.day} ${d.platform}`));
  return empty.filter((d) => !known.has(`${d.day} ${d.platform}`));
}
