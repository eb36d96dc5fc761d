import { CronExpressionParser } from "cron-parser";
import { UsageError } from "../command.ts";

/**
 * Checks a `--schedule` pattern with the parser BullMQ's job scheduler uses (cron-parser), so a bad
 * one is a misuse named at once, not a failure from inside Redis's scheduler.
 */
export function checkCronPattern(pattern: string): void {
  try {
    CronExpressionParser.parse(pattern, { tz: "UTC" });
  } catch (error) {
    throw new UsageError(
      `--schedule wants a cron pattern (minute hour day-of-month month day-of-week, UTC), e.g. "30 2 * * *"; got ${JSON.stringify(pattern)}: ${(error as Error).message}`,
    );
  }
}
