import { describe, expect, it } from "vitest";
import { groupIntoShards } from "./plan.ts";

const file = (key: string, size: number) => ({ key, size, etag: "1" });

describe("groupIntoShards", () => {
  it("fills shards up to the byte limit, in order", () => {
    const shards = groupIntoShards([file("a", 40), file("b", 50), file("c", 30), file("d", 100)], 100);
    expect(shards.map((s) => s.map((f) => f.key))).toEqual([["a", "b"], ["c"], ["d"]]);
  });

  it("gives a file larger than the limit a shard of its own", () => {
    const shards = groupIntoShards([file("a", 10), file("big", 500), file("b", 10)], 100);
    expect(shards.map((s) => s.map((f) => f.key))).toEqual([["a"], ["big"], ["b"]]);
  });

  it("makes no shards of no files", () => {
    expect(groupIntoShards([], 100)).toEqual([]);
  });
});
