import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { processLock } from "./partition_lock.ts";

describe("processLock", () => {
  it("runs the bodies of one key one at a time, in order, and those of other keys alongside", async () => {
    const lock = processLock();
    const events: string[] = [];
    const body = (name: string) => async () => {
      events.push(`${name} in`);
      await sleep(5);
      events.push(`${name} out`);
      return name;
    };
    const results = await Promise.all([
      lock.run("views/201602", body("a")),
      lock.run("views/201602", body("b")),
      lock.run("views/201603", body("c")),
    ]);
    expect(results).toEqual(["a", "b", "c"]);
    expect(events.indexOf("b in")).toBeGreaterThan(events.indexOf("a out"));
    expect(events.indexOf("c in")).toBeLessThan(events.indexOf("a out"));
  });

  it("goes on after a body that failed", async () => {
    const lock = processLock();
    await expect(lock.run("k", () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(lock.run("k", async () => "next")).resolves.toBe("next");
  });
});
