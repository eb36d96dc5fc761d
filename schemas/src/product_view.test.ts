import { describe, expect, it } from "vitest";
import { classifyEvent, judgeViewTime } from "./product_view.ts";
import { viewTimeWindow } from "./time.ts";

const window = viewTimeWindow("2016-02-01");
const FIRST = Date.UTC(2016, 0, 31);
const END = Date.UTC(2016, 1, 3);
const refused = (reason: string | RegExp) => ({
  ok: false,
  reason: typeof reason === "string" ? reason : expect.stringMatching(reason),
});

describe("judgeViewTime", () => {
  it("keeps a time inside the folder's window, fractions and both edges' inside included", () => {
    for (const ms of [FIRST, 1454284830000.9, Date.UTC(2016, 1, 1, 23, 59, 59, 999), END - 0.001]) {
      expect(judgeViewTime(ms, window)).toEqual({ ok: true, timestampMs: ms });
    }
  });

  it("refuses a time outside the window, saying where it would have landed", () => {
    expect(judgeViewTime(FIRST - 1, window)).toEqual(
      refused(
        "view time 1454198399999 ms (2016-01-30T23:59:59.999Z) is outside 2016-01-31..2016-02-02 of folder 2016-02-01",
      ),
    );
    expect(judgeViewTime(END, window)).toEqual(refused(/^view time 1454457600000 ms \(2016-02-03T00:00:00\.000Z\)/));
    for (const ms of [
      -1e15,
      1e15,
      -1,
      0,
      -0,
      1e-320,
      253402300800000,
      1e20,
      JSON.parse("9223372036854775807"),
      1e308,
    ]) {
      expect(judgeViewTime(ms, window), String(ms)).toEqual(refused(/ is outside 2016-01-31\.\.2016-02-02 of folder/));
    }
    expect(judgeViewTime(1e20, window)).toEqual(refused(/^view time 100000000000000000000 ms is outside/));
  });

  it("refuses a time that is not a finite number", () => {
    expect(judgeViewTime(JSON.parse("1e400"), window)).toEqual(
      refused("product view time data.timestamp_unixtime_ms is beyond the range of numbers"),
    );
    for (const value of ["1454284800000", null, undefined, true, {}, [1454284800000]]) {
      expect(judgeViewTime(value, window)).toEqual(
        refused("product view without a numeric data.timestamp_unixtime_ms"),
      );
    }
  });
});

describe("classifyEvent", () => {
  const event = (ts: unknown, codeColor: unknown = "P1") => ({
    event_type: "custom_event",
    data: { event_name: "product", timestamp_unixtime_ms: ts, custom_attributes: { codeColor } },
  });

  it("gives a view inside the window, and ignores what is not a view whatever its time", () => {
    expect(classifyEvent(event(1454284800000), window)).toEqual({
      kind: "view",
      view: { timestampMs: 1454284800000, product: "P1" },
    });
    expect(classifyEvent(event(1e20, 123), window)).toEqual({ kind: "ignored" });
    expect(classifyEvent({ event_type: "custom_event", data: { event_name: "home" } }, window)).toEqual({
      kind: "ignored",
    });
  });

  it("calls a view at a time it cannot place malformed", () => {
    expect(classifyEvent(event(0), window)).toEqual({
      kind: "malformed",
      reason: expect.stringMatching(/^view time 0 ms/),
    });
  });
});

describe("classifyEvent on product ids that are no text", () => {
  const view = (product: string) => ({
    event_type: "custom_event",
    data: {
      event_name: "product",
      timestamp_unixtime_ms: Date.UTC(2016, 1, 1, 10),
      custom_attributes: { codeColor: product },
    },
  });

  it("refuses a lone surrogate, a reversed pair and U+FFFD, and keeps a whole emoji", () => {
    for (const product of ["P\uD83D", "\uDC00X", "\uDC00\uD83D", "A\uDBFF"]) {
      expect(classifyEvent(view(product), window)).toEqual({
        kind: "malformed",
        reason: expect.stringMatching(/lone UTF-16 surrogate/),
      });
    }
    expect(classifyEvent(view("BAD_\uFFFD_UTF8"), window)).toEqual({
      kind: "malformed",
      reason: expect.stringMatching(/not valid UTF-8/),
    });
    expect(classifyEvent(view("P\uD83D\uDE00"), window)).toMatchObject({
      kind: "view",
      view: { product: "P\uD83D\uDE00" },
    });
  });
});
