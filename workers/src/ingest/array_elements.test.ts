import { describe, expect, it } from "vitest";
import {
  ArrayShapeError,
  endsInsideValue,
  splitArrayElements,
  splitConcatenatedObjects,
  TruncatedError,
} from "./array_elements.ts";

async function* chunks(...parts: string[]): AsyncGenerator<string> {
  yield* parts;
}

async function collect(...parts: string[]) {
  const out: { index: number; text: string }[] = [];
  for await (const element of splitArrayElements(chunks(...parts))) out.push(element);
  return out;
}

describe("splitArrayElements", () => {
  it("yields each top-level element's raw text, across chunk boundaries", async () => {
    const elements = await collect('[\n {"a": [1, 2], "s": "x,]}"},', ' {"b": {"c"', ": 3}}\n]\n");
    expect(elements).toEqual([
      { index: 1, text: '{"a": [1, 2], "s": "x,]}"}' },
      { index: 2, text: '{"b": {"c": 3}}' },
    ]);
  });

  it("keeps escaped quotes inside strings and 64-bit numbers as text", async () => {
    const elements = await collect('[{"q":"a\\"],b","id":679644799952992001}]');
    expect(elements).toEqual([{ index: 1, text: '{"q":"a\\"],b","id":679644799952992001}' }]);
  });

  it("yields nothing for an empty array", async () => {
    expect(await collect("  [ ]  ")).toEqual([]);
  });

  it("yields a malformed element whose brackets balance, and goes on", async () => {
    const elements = await collect('[{"events":[}],{"ok":1}]');
    expect(elements.map((e) => e.text)).toEqual(['{"events":[}]', '{"ok":1}']);
  });

  it("rejects text that is not an array", async () => {
    await expect(collect('{"events":[]}')).rejects.toThrow(ArrayShapeError);
    await expect(collect("[1] 2")).rejects.toThrow("text after the array");
  });

  it("gives an element over the limit as too long, without its text, and goes on", async () => {
    const elements: { index: number; text: string; tooLongBytes?: number }[] = [];
    const big = `{"pad":"${"é".repeat(20)}"}`;
    for await (const element of splitArrayElements(
      chunks("[", '{"a":1},', big.slice(0, 10), big.slice(10), ',{"b":2}]'),
      32,
    )) {
      elements.push(element);
    }
    expect(elements).toEqual([
      { index: 1, text: '{"a":1}' },
      { index: 2, text: "", tooLongBytes: Buffer.byteLength(big) },
      { index: 3, text: '{"b":2}' },
    ]);
  });

  it("yields the whole elements of an array cut short, then says where it ends", async () => {
    const cut = async (...parts: string[]) => {
      const seen: string[] = [];
      try {
        for await (const element of splitArrayElements(chunks(...parts))) seen.push(element.text);
      } catch (error) {
        if (!(error instanceof TruncatedError)) throw error;
        return { seen, position: error.position, message: error.message };
      }
      throw new Error("not reported as truncated");
    };
    expect(await cut('[{"a":1},{"b":')).toEqual({
      seen: ['{"a":1}'],
      position: 2,
      message: "truncated: the file ends inside batch 2",
    });
    expect(await cut('[{"a":1},{"s":"x}]', "y")).toMatchObject({ seen: ['{"a":1}'], position: 2 });
    expect(await cut('[\n{"a":1},\n{"b":2},\n')).toEqual({
      seen: ['{"a":1}', '{"b":2}'],
      position: 3,
      message: "truncated: the file ends after batch 2 without closing its array",
    });
    expect(await cut('[{"a":1},', '{"b":[2]}  ')).toMatchObject({ seen: ['{"a":1}', '{"b":[2]}'], position: 3 });
    expect(await cut("[ ")).toMatchObject({ seen: [], position: 1 });
  });
});

describe("splitConcatenatedObjects", () => {
  async function objects(...parts: string[]) {
    const out: { index: number; text: string }[] = [];
    for await (const element of splitConcatenatedObjects(chunks(...parts))) out.push(element);
    return out;
  }

  it("yields each top-level object's raw text, across chunk boundaries", async () => {
    expect(await objects('\uFEFF{\n "a": [1, {"s": "}{"}]\n', '}\n{"b"', ":679644799952992001}\n")).toEqual([
      { index: 1, text: '{\n "a": [1, {"s": "}{"}]\n}' },
      { index: 2, text: '{"b":679644799952992001}' },
    ]);
  });

  it("rejects text between the objects and an object cut short", async () => {
    await expect(objects('{"a":1} x')).rejects.toThrow("text that is not a JSON object after batch 1");
    await expect(objects('{"a":1}{"b":')).rejects.toThrow("the file ends inside batch 2");
  });
});

describe("endsInsideValue", () => {
  it("tells text cut inside a string, an object or an array from whole or broken text", () => {
    expect(endsInsideValue('{"events":[{"a":1}')).toBe(true);
    expect(endsInsideValue('{"s":"ab\\"')).toBe(true);
    expect(endsInsideValue('{"s":"}]"')).toBe(true);
    expect(endsInsideValue('{"events":[]}')).toBe(false);
    expect(endsInsideValue('{"events":[}]')).toBe(false);
  });
});
