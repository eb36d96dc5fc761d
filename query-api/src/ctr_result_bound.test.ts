import { parseGmt3WallClock } from "@ctr/schemas";
import { describe, expect, it } from "vitest";
import { periodsPerBucket } from "./ctr_result_bound.ts";

const at = (wallClock: string) => parseGmt3WallClock(wallClock) ?? Number.NaN;

/** Counts, bucket by bucket, the periods each touches: what periodsPerBucket must never undercount. */
function touchedPeriods(startMs: number, aggregation: number, period: number, buckets: number): number {
  let most = 0;
  const startMinute = (startMs - at("2016-01-01 00:00:00")) / 60_000;
  for (let k = 0; k < buckets; k++) {
    const first = startMinute + k * aggregation;
    const last = first + aggregation - 1;
    most = Math.max(most, Math.floor(last / period) - Math.floor(first / period) + 1);
  }
  return most;
}

describe("periodsPerBucket", () => {
  it("is exact on the grid and never below what a bucket touches off it", () => {
    for (const start of ["2016-02-01 00:00:00", "2016-02-01 10:00:00", "2016-02-01 10:07:00", "2016-02-01 23:59:00"]) {
      for (const aggregation of [1, 2, 5, 7, 15, 59, 60, 61, 90, 120, 1439, 1440, 1441, 2880, 10_000]) {
        for (const period of [60, 1440]) {
          const bound = periodsPerBucket(at(start), aggregation, period);
          const touched = touchedPeriods(at(start), aggregation, period, 3000);
          expect(bound, `${start} ${aggregation} ${period}`).toBeGreaterThanOrEqual(touched);
          if (aggregation % period === 0 || period % aggregation === 0) {
            expect(bound, `${start} ${aggregation} ${period}`).toBe(touched);
          }
        }
      }
    }
  });
});
