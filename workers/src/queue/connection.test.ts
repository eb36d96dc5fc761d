import { describe, expect, it } from "vitest";
import { reconnectDelay } from "./connection.ts";
import { checkRedisReachable } from "./redis_check.ts";

describe("reconnectDelay", () => {
  it("grows with each attempt and stays at most 5 s, so a long Redis outage is retried forever", () => {
    expect(reconnectDelay(1)).toBe(200);
    expect(reconnectDelay(5)).toBe(1_000);
    expect(reconnectDelay(1_000)).toBe(5_000);
  });
});

describe("checkRedisReachable", () => {
  it("fails at once, naming REDIS_URL, when nothing listens there", async () => {
    await expect(checkRedisReachable("redis://127.0.0.1:1", 2_000)).rejects.toThrow(
      /^cannot reach Redis at 127\.0\.0\.1:1 \(REDIS_URL\): .*ECONNREFUSED/,
    );
  });

  it("does not put the password of the URL in the message", async () => {
    await expect(checkRedisReachable("redis://:s3cret@127.0.0.1:1", 2_000)).rejects.not.toThrow(/s3cret/);
  });
});
