import type { ClickHouseClient } from "@clickhouse/client";
import { z } from "zod";
import type { Platform } from "../../platform.ts";
import { queryRows, StoreError } from "../query.ts";

/** The (platform, day)s a run found no event files for (migration 0007). */
export const EMPTY_SOURCE_DAYS_TABLE = "empty_source_days_v1";

/** A (platform, day) listed without event files; `listed_at` is UTC `YYYY-MM-DD HH:MM:SS.mmm`. */
export const EmptySourceDaySchema = z.object({
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  platform: z.string(),
  listed_at: z.string(),
});
export type EmptySourceDay = z.infer<typeof EmptySourceDaySchema>;

/**
 * Records that a run listed `platform`'s `day` and found no event files, unless it is recorded
 * already: re-running a range of empty days costs a read per day, not a new part each time.
 */
export async function recordEmptySourceDay(
  client: ClickHouseClient,
  { platform, day }: { platform: Platform; day: string },
): Promise<void> {
  const known = await queryRows(client, {
    name: "get_empty_source_day",
    query: `SELECT day, platform, listed_at FROM ${EMPTY_SOURCE_DAYS_TABLE}
            WHERE day = {day:Date} AND platform = {platform:String} LIMIT 1`,
    params: { day, platform },
    schema: EmptySourceDaySchema,
  });
  if (known.length > 0) return;
  const listed_at = new Date().toISOString().replace("T", " ").replace("Z", "");
  try {
    await client.insert({
      table: EMPTY_SOURCE_DAYS_TABLE,
      values: [{ day, platform, listed_at }],
      format: "JSONEachRow",
    });
  } catch (cause) {
    throw new StoreError(`insert ${EMPTY_SOURCE_DAYS_TABLE}`, { cause });
  }
}
