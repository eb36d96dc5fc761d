import { describe, expect, it } from "vitest";
import { isGzipped, sniffShape } from "./file_shape.ts";

const whole = (text: string) => ({ text, complete: true });

describe("sniffShape", () => {
  it("tells an array from its first bracket", () => {
    expect(sniffShape(whole('\n  [{"events":[]}]'))).toBe("array");
  });

  it("tells NDJSON from a first line that is one complete value", () => {
    expect(sniffShape(whole('{"events":[]}\n{"events":[]}\n'))).toBe("newline_delimited");
    expect(sniffShape(whole('{"events":[]}'))).toBe("newline_delimited");
  });

  it("still tells NDJSON when only the first line is broken", () => {
    expect(sniffShape(whole('{"events":[\n{"events":[]}\n'))).toBe("newline_delimited");
  });

  it("takes a pretty-printed object for one batch", () => {
    expect(sniffShape(whole('{\n  "events": [\n    {"event_type": "x"}\n  ]\n}\n'))).toBe("unstructured");
  });

  it("does not judge a first line the head cut off", () => {
    expect(sniffShape({ text: '{"events":[{"a":1}', complete: false })).toBe("unstructured");
  });
});

describe("isGzipped", () => {
  it("goes by the .gz extension, in any case", () => {
    expect(isGzipped("a/b.json.GZ")).toBe(true);
    expect(isGzipped("a/b.jsonl")).toBe(false);
  });
});
