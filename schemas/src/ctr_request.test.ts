import { describe, expect, it } from "vitest";
import { parseCtrRequest } from "./ctr_request.ts";

const valid = { startTimestamp: "2016-02-01 10:03:00", endTimestamp: "2016-02-01 11:00:00", aggregation: "7" };

function rejects(input: Record<string, unknown>) {
  const result = parseCtrRequest(input);
  if (result.ok) throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
  return result.error;
}

describe("parseCtrRequest: accepted requests", () => {
  it("parses the GMT-3 wall clock into UTC instants", () => {
    const result = parseCtrRequest(valid);
    expect(result).toMatchObject({
      ok: true,
      request: {
        startTimestamp: { text: "2016-02-01 10:03:00", epochMs: Date.UTC(2016, 1, 1, 13, 3) },
        endTimestamp: { epochMs: Date.UTC(2016, 1, 1, 14, 0) },
        aggregation: 7,
      },
    });
  });

  it("takes aggregation as a number or a numeric string", () => {
    expect(parseCtrRequest({ ...valid, aggregation: 60 })).toMatchObject({ ok: true, request: { aggregation: 60 } });
    expect(parseCtrRequest({ ...valid, aggregation: "60" })).toMatchObject({ ok: true, request: { aggregation: 60 } });
  });

  it("maps the platform case-insensitively and keeps the product as given", () => {
    expect(parseCtrRequest({ ...valid, platform: "ios", product: "20001829_048" })).toMatchObject({
      ok: true,
      request: { platform: "iOS", product: "20001829_048" },
    });
    expect(parseCtrRequest({ ...valid, platform: "MOBILEWEB" })).toMatchObject({ request: { platform: "MobileWeb" } });
    expect(parseCtrRequest({ ...valid, platform: "android" })).toMatchObject({ request: { platform: "Android" } });
  });

  it("leaves product and platform absent when not given", () => {
    const result = parseCtrRequest(valid);
    expect(result.ok && result.request.product).toBeUndefined();
    expect(result.ok && result.request.platform).toBeUndefined();
  });

  it("accepts a leap day", () => {
    expect(parseCtrRequest({ ...valid, startTimestamp: "2016-02-29 00:00:00" }).ok).toBe(false); // end before start
    expect(
      parseCtrRequest({ ...valid, startTimestamp: "2016-02-29 00:00:00", endTimestamp: "2016-03-01 00:00:00" }).ok,
    ).toBe(true);
  });
});

describe("parseCtrRequest: rejected requests name the field", () => {
  it.each([
    ["missing", undefined],
    ["a date only", "2016-02-01"],
    ["ISO with a T", "2016-02-01T10:00:00"],
    ["not a calendar day", "2016-02-30 10:00:00"],
    ["a non-leap 29 February", "2015-02-29 10:00:00"],
    ["hour 24", "2016-02-01 24:00:00"],
    ["minute 60", "2016-02-01 10:60:00"],
    ["seconds not 00", "2016-02-01 10:00:30"],
    ["a number", 1454284800],
    ["before 1970", "1969-12-31 00:00:00"],
    ["an injection", "2016-02-01 10:00:00'; DROP TABLE x; --"],
  ])("startTimestamp %s", (_label, value) => {
    const error = rejects({ ...valid, startTimestamp: value });
    expect(error.field).toBe("startTimestamp");
    expect(error.message).toMatch(/startTimestamp/);
  });

  it("endTimestamp malformed", () => {
    expect(rejects({ ...valid, endTimestamp: "tomorrow" }).field).toBe("endTimestamp");
  });

  it.each([
    ["equal to start", "2016-02-01 10:03:00"],
    ["before start", "2016-02-01 10:02:00"],
  ])("endTimestamp %s", (_label, value) => {
    const error = rejects({ ...valid, endTimestamp: value });
    expect(error).toMatchObject({ field: "endTimestamp" });
    expect(error.message).toMatch(/after startTimestamp/);
  });

  it.each([
    ["missing", undefined],
    ["zero", 0],
    ["zero as text", "0"],
    ["negative", -5],
    ["negative text", "-5"],
    ["fractional", 1.5],
    ["fractional text", "1.5"],
    ["not numeric", "abc"],
    ["empty", ""],
    ["exponent text", "1e3"],
    ["padded with blanks", " 60 "],
    ["a trailing blank", "60 "],
    ["a tab before", "\t60"],
    ["a plus sign", "+60"],
    ["a boolean", true],
    ["too large", 10 ** 12],
  ])("aggregation %s", (_label, value) => {
    const error = rejects({ ...valid, aggregation: value });
    expect(error.field).toBe("aggregation");
    expect(error.message).toMatch(/aggregation/);
  });

  it.each([
    ["unknown", "Windows"],
    ["empty", ""],
    ["padded with blanks", " iOS "],
    ["a number", 3],
  ])("platform %s", (_label, value) => {
    const error = rejects({ ...valid, platform: value });
    expect(error.field).toBe("platform");
    expect(error.message).toMatch(/iOS/);
  });

  it.each([
    ["empty", ""],
    ["a number", 20001829],
    ["a list", ["a", "b"]],
    ["too long", "x".repeat(257)],
  ])("product %s", (_label, value) => {
    expect(rejects({ ...valid, product: value }).field).toBe("product");
  });

  it("the bounds are the ones the message names, as GMT-3 wall clock, both included", () => {
    const bounds = "must lie between 1970-01-02 00:00:00 and 2105-12-31 23:59:00 (GMT-3)";
    const last = { ...valid, startTimestamp: "2105-12-31 23:00:00", endTimestamp: "2105-12-31 23:59:00" };
    expect(parseCtrRequest(last).ok).toBe(true);
    expect(rejects({ ...last, endTimestamp: "2106-01-01 00:00:00" }).message).toBe(
      `endTimestamp ${bounds}, got 2106-01-01 00:00:00`,
    );
    const first = { ...valid, startTimestamp: "1970-01-02 00:00:00", endTimestamp: "1970-01-02 01:00:00" };
    expect(parseCtrRequest(first).ok).toBe(true);
    expect(rejects({ ...first, startTimestamp: "1970-01-01 23:59:00" }).message).toBe(
      `startTimestamp ${bounds}, got 1970-01-01 23:59:00`,
    );
  });

  it("a value of the wrong type is reported as such, not as missing", () => {
    expect(rejects({ ...valid, startTimestamp: 20160201 }).message).toBe(
      "startTimestamp must be a GMT-3 time as YYYY-MM-DD HH:MM:SS, got 20160201",
    );
    expect(rejects({ ...valid, aggregation: true }).message).toBe(
      "aggregation must be a positive whole number of minutes, got true",
    );
    expect(rejects({ ...valid, aggregation: Number.POSITIVE_INFINITY }).message).toMatch(
      /^aggregation must be .*got Infinity$/,
    );
    expect(rejects({ ...valid, aggregation: undefined }).message).toBe(
      "aggregation is required: a positive whole number of minutes",
    );
  });

  it("a body that is not an object", () => {
    expect(parseCtrRequest([1, 2])).toEqual({
      ok: false,
      error: { field: "body", message: "the request must be a JSON object" },
    });
    expect(parseCtrRequest(null)).toMatchObject({ ok: false, error: { field: "body" } });
  });
});
