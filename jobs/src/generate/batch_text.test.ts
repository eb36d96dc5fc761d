import { describe, expect, it } from "vitest";
import { type EventText, textStyle, writeBatchText } from "./batch_text.ts";

const events: EventText[] = [
  {
    type: "custom_event",
    customEventType: "navigation",
    eventName: "product",
    timestamp: "1454361579158.9556",
    eventId: "679644799952992000",
    sessionId: "7147916473548190000",
    attributes: [["codeColor", "20005748_001"]],
  },
  {
    type: "custom_event",
    customEventType: "search",
    eventName: "search",
    timestamp: "1",
    eventId: "2",
    sessionId: "3",
    attributes: [],
  },
  { type: "screen_view", screenName: "Home", timestamp: "4", eventId: "5", sessionId: "6" },
];

/** The same batch as a plain object, with ids small enough for JS numbers. */
const plain = {
  events: [
    {
      data: {
        custom_event_type: "navigation",
        event_name: "product",
        timestamp_unixtime_ms: 1454361579158.9556,
        event_id: 1,
        session_id: 2,
        custom_attributes: { codeColor: "20005748_001" },
      },
      event_type: "custom_event",
    },
    {
      data: {
        custom_event_type: "search",
        event_name: "search",
        timestamp_unixtime_ms: 1,
        event_id: 2,
        session_id: 3,
        custom_attributes: {},
      },
      event_type: "custom_event",
    },
    { data: { screen_name: "Home", timestamp_unixtime_ms: 4, event_id: 5, session_id: 6 }, event_type: "screen_view" },
  ],
  mpid: 7,
  timestamp_unixtime_ms: 8,
};

describe("writeBatchText", () => {
  const small = events.map((e, i) => (i === 0 ? { ...e, eventId: "1", sessionId: "2" } : e));

  it("writes what JSON.stringify writes, compact and pretty (as in the sample)", () => {
    expect(writeBatchText(textStyle(false), small, "7", "8")).toBe(JSON.stringify(plain));
    expect(writeBatchText(textStyle(true), small, "7", "8")).toBe(JSON.stringify(plain, null, 2));
    const nested = JSON.stringify([plain], null, 2);
    expect(`[\n  ${writeBatchText(textStyle(true, 1), small, "7", "8")}\n]`).toBe(nested);
  });

  it("keeps 64-bit ids as bare numbers with every digit", () => {
    const text = writeBatchText(textStyle(false), events, "9223372036854775806", "1");
    expect(text).toContain('"event_id":679644799952992000,');
    expect(text).toContain('"mpid":9223372036854775806,');
    // A JS number would have rounded it.
    expect(String(JSON.parse(text).mpid)).not.toBe("9223372036854775806");
  });
});
