import { type CtrRequest, parseCtrRequest } from "@ctr/schemas";
import { describe, expect, it } from "vitest";
import { chooseCtrTables } from "./ctr_tier.ts";

function request(startTimestamp: string, endTimestamp: string, aggregation: number): CtrRequest {
  const parsed = parseCtrRequest({ startTimestamp, endTimestamp, aggregation });
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.request;
}

const grainOf = (start: string, end: string, aggregation: number, rollups = true) =>
  chooseCtrTables(request(start, end, aggregation), { rollups }).grainMinutes;

describe("chooseCtrTables", () => {
  it("reads the daily rollups for whole GMT-3 days in buckets of whole days", () => {
    expect(grainOf("2016-02-01 00:00:00", "2016-03-02 00:00:00", 1440)).toBe(1440);
    expect(grainOf("2016-02-01 00:00:00", "2016-02-05 00:00:00", 2880)).toBe(1440);
    const tables = chooseCtrTables(request("2016-02-01 00:00:00", "2016-02-02 00:00:00", 1440));
    expect(tables).toEqual({ grainMinutes: 1440, both: "ctr_per_day_v1" });
  });

  it("reads the hourly rollups when the buckets and both ends fall on hours but not on days", () => {
    expect(grainOf("2016-02-01 10:00:00", "2016-02-01 12:00:00", 60)).toBe(60);
    expect(grainOf("2016-02-01 00:00:00", "2016-02-01 15:00:00", 1440)).toBe(60);
    expect(grainOf("2016-02-01 01:00:00", "2016-02-03 01:00:00", 1440)).toBe(60);
    expect(grainOf("2016-02-01 00:00:00", "2016-02-02 00:00:00", 120)).toBe(60);
  });

  it("reads per-minute whenever a bucket or the cut last bucket would split an hour", () => {
    expect(grainOf("2016-02-01 10:30:00", "2016-02-01 12:30:00", 60)).toBe(1);
    expect(grainOf("2016-02-01 10:00:00", "2016-02-01 12:30:00", 60)).toBe(1);
    expect(grainOf("2016-02-01 10:00:00", "2016-02-01 12:00:00", 90)).toBe(1);
    expect(grainOf("2016-02-01 00:00:00", "2016-02-02 00:00:00", 1439)).toBe(1);
  });

  it("reads per-minute when the rollups are turned off", () => {
    expect(grainOf("2016-02-01 00:00:00", "2016-02-02 00:00:00", 1440, false)).toBe(1);
  });
});
