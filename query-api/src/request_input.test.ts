import { describe, expect, it } from "vitest";
import { topLevelKeys } from "./request_input.ts";

describe("topLevelKeys", () => {
  it("lists the top level's keys in order, a repeated one twice (JSON.parse keeps only the last)", () => {
    expect(topLevelKeys('{"a":1,"b":"x","a":2}')).toEqual(["a", "b", "a"]);
  });

  it("skips the keys of nested objects and the strings that are values", () => {
    const json = '{ "a" : {"a":1,"b":{"c":[{"a":0}]}}, "list": ["a", "b:", {"z":1}], "s": "x\\":y" }';
    expect(topLevelKeys(json)).toEqual(["a", "list", "s"]);
  });

  it("decodes escaped key names, so that an escaped duplicate is still a duplicate", () => {
    expect(topLevelKeys('{"from":1,"fr\\u006fm":2,"__pro\\u0074o__":3}')).toEqual(["from", "from", "__proto__"]);
  });

  it("finds no keys in what is not an object", () => {
    expect(topLevelKeys('["a", {"b": 1}]')).toEqual([]);
    expect(topLevelKeys('"a"')).toEqual([]);
  });
});
