import { describe, expect, it } from "vitest";
import { BatchEncoder } from "./batch_bytes.ts";
import { eventText, formatId64, formatTimestamp } from "./batch_parts.ts";
import { textStyle, writeBatchText } from "./batch_text.ts";
import { BatchMaker } from "./batches.ts";
import { buildCatalog } from "./catalog.ts";
import { Random } from "./prng.ts";

describe("BatchEncoder", () => {
  const catalog = buildCatalog("test");
  const maker = new BatchMaker(Random.derive("test", "batches"), catalog, Date.UTC(2016, 1, 1), new Uint8Array(5_000));
  const batches = Array.from({ length: 2_000 }, () => maker.next(3));

  for (const [pretty, level] of [
    [false, 0],
    [true, 0],
    [true, 1],
  ] as const) {
    it(`writes the reference renderer's text (pretty ${pretty}, level ${level})`, () => {
      const style = textStyle(pretty, level);
      const encoder = new BatchEncoder(style);
      const out = Buffer.alloc(64 * 1024);
      for (const batch of batches) {
        const end = encoder.encode(batch, out, 0);
        expect(end).toBeLessThanOrEqual(encoder.maxBytes(batch));
        const expected = writeBatchText(
          style,
          batch.events.map(eventText),
          formatId64(batch.mpid),
          formatTimestamp(batch.time),
        );
        expect(out.toString("latin1", 0, end)).toBe(expected);
      }
    });
  }

  it("writes valid JSON whose views and ignored events match what the maker reports", () => {
    const encoder = new BatchEncoder(textStyle(false));
    const out = Buffer.alloc(64 * 1024);
    for (const batch of batches) {
      const parsed = JSON.parse(out.toString("latin1", 0, encoder.encode(batch, out, 0)));
      const views = parsed.events.filter(
        (e: { event_type: string; data: { event_name?: string; custom_attributes?: { codeColor?: string } } }) =>
          e.event_type === "custom_event" && e.data.event_name === "product" && e.data.custom_attributes?.codeColor,
      ).length;
      expect(views).toBe(batch.views);
      expect(parsed.events.length - views).toBe(batch.ignored);
    }
  });
});
