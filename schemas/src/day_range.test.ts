import { describe, expect, it } from "vitest";
import { toFieldError } from "./ctr_request.ts";
import { dayRangeFilterSchema, dayRangeSchema } from "./day_range.ts";

type Schema = ReturnType<typeof dayRangeSchema> | ReturnType<typeof dayRangeFilterSchema>;

/** The first problem as the API's 400 and the CLI's usage error show it, or the parsed range. */
function read(schema: Schema, input: Record<string, unknown>) {
  const parsed = schema.safeParse(input);
  return parsed.success ? { ok: parsed.data } : toFieldError(parsed.error, "body");
}

describe("dayRangeSchema", () => {
  const api = dayRangeSchema();
  const flags = dayRangeSchema({ label: (field) => `--${field}` });

  it("reads a range and a platform, case-insensitively", () => {
    expect(read(api, { from: "2016-02-01", to: "2016-02-03", platform: "ios" })).toEqual({
      ok: { from: "2016-02-01", to: "2016-02-03", platform: "iOS" },
    });
    expect(read(api, { from: "2016-02-01", to: "2016-02-01" })).toEqual({
      ok: { from: "2016-02-01", to: "2016-02-01" },
    });
  });

  it("names the field the way its caller does: the API by field, the CLI by flag", () => {
    expect(read(api, { from: "2016-02-30", to: "2016-03-01" })).toEqual({
      field: "from",
      message: 'from wants a day as YYYY-MM-DD, got "2016-02-30"',
    });
    expect(read(flags, { from: "2016-02-30", to: "2016-03-01" })).toEqual({
      field: "from",
      message: '--from wants a day as YYYY-MM-DD, got "2016-02-30"',
    });
    expect(read(flags, { from: "2016-02-01" })).toEqual({
      field: "to",
      message: "--to is required: a day as YYYY-MM-DD",
    });
    expect(read(flags, { from: "2016-02-02", to: "2016-02-01" })).toEqual({
      field: "to",
      message: "--from 2016-02-02 is after --to 2016-02-01",
    });
    expect(read(api, { from: "2016-02-01", to: "2016-02-01", platform: " iOS" })).toEqual({
      field: "platform",
      message: 'platform wants one of Android, MobileWeb, iOS (case-insensitive), got " iOS"',
    });
    expect(read(api, { from: 20160201, to: "2016-02-01" })).toMatchObject({ field: "from", message: /got 20160201$/ });
  });

  it("caps the range before it looks at the days' bounds", () => {
    expect(read(flags, { from: "1900-01-01", to: "2100-12-31" })).toEqual({
      field: "to",
      message:
        "--from 1900-01-01 --to 2100-12-31 covers 73,414 days; one run may cover at most 3,660 (split the range)",
    });
    expect(read(api, { from: "1969-12-31", to: "1970-01-01" })).toEqual({
      field: "from",
      message: "from must lie between 1970-01-01 and 2149-06-06, got 1969-12-31",
    });
    expect(read(dayRangeSchema({ maxDays: 2 }), { from: "2016-02-01", to: "2016-02-03" })).toMatchObject({
      field: "to",
    });
  });
});

describe("dayRangeFilterSchema", () => {
  const filter = dayRangeFilterSchema();

  it("leaves either end open, up to the days ClickHouse holds, without a cap", () => {
    expect(read(filter, {})).toEqual({ ok: { from: "1970-01-01", to: "2149-06-06" } });
    expect(read(filter, { to: "2016-02-01", platform: "android" })).toEqual({
      ok: { from: "1970-01-01", to: "2016-02-01", platform: "Android" },
    });
    expect(read(filter, { to: "2200-01-01" })).toEqual({
      field: "to",
      message: "to must lie between 1970-01-01 and 2149-06-06, got 2200-01-01",
    });
    expect(read(filter, { from: "2016-02-02", to: "2016-02-01" })).toMatchObject({ field: "to", message: /is after/ });
  });
});
