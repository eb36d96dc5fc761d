import { describe, expect, it } from "vitest";
import { reconnectDelay } from "./connection.ts";

describe("reconnectDelay", () => {
  it("grows with each attempt and stays at most 5 s, so a long Redis outage is retried forever", () => {
    expect(reconnectDelay(1)).toBe(200);
    expect(reconnectDelay(5)).toBe(1_000);
    expect(reconnectDelay(1_000)).toBe(5_000);
  });
});
