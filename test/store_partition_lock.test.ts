// Two holders of the same Redis, as two workers committing days of one month of a ClickHouse server:
// their bodies under one key never overlap, and a lease is released for the next holder.
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { redisLock } from "../workers/src/store/partition_lock.ts";
import { REDIS_URL } from "./support/distributed_support.ts";

const scope = `test-${randomUUID()}`;
const first = redisLock(REDIS_URL, scope);
const second = redisLock(REDIS_URL, scope);

afterAll(async () => {
  await first.close();
  await second.close();
});

describe("redisLock", () => {
  it("lets one holder at a time run a key's bodies, across clients", async () => {
    let inside = 0;
    let most = 0;
    const body = async () => {
      inside++;
      most = Math.max(most, inside);
      await sleep(20);
      inside--;
    };
    await Promise.all([
      first.run("views/201602", body),
      second.run("views/201602", body),
      first.run("views/201602", body),
      second.run("views/201602", body),
    ]);
    expect(most).toBe(1);
  });

  it("releases the lease when a body fails", async () => {
    await expect(first.run("k", () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(second.run("k", async () => "taken")).resolves.toBe("taken");
  });
});
