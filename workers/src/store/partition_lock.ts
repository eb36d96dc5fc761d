import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Redis } from "ioredis";

/** How long a holder may keep a lock before it lapses (a crashed holder frees it after this), in ms. */
const LEASE_MS = 10 * 60_000;
/** How often a waiter asks again, in ms. */
const POLL_MS = 50;
/** Keys the locks of one store share in Redis; the store's identity (URL and database) follows. */
const KEY_PREFIX = "ctr:store-lock:";

/** A lock per key: `run(key, body)` runs bodies of one key one at a time. */
export interface KeyedLock {
  run<T>(key: string, body: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Bodies of one key one at a time within this process: each waits for the one before it. */
export function processLock(): KeyedLock {
  const tails = new Map<string, Promise<unknown>>();
  return {
    async run<T>(key: string, body: () => Promise<T>): Promise<T> {
      const before = tails.get(key) ?? Promise.resolve();
      const mine = before.catch(() => undefined).then(body);
      tails.set(key, mine);
      try {
        return await mine;
      } finally {
        if (tails.get(key) === mine) tails.delete(key);
      }
    },
    close: async () => {},
  };
}

// Deletes the key only when it still holds this holder's token: a lapsed lease taken over by
// another holder is not released by the first.
const RELEASE = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;

/**
 * Bodies of one key one at a time across every process that uses the same Redis and `scope` (the
 * queue's workers committing days of one month of a ClickHouse server): a `SET NX PX` lease per key,
 * released by its token. Within the process the bodies queue first, so one process holds one lease.
 */
export function redisLock(redisUrl: string, scope: string): KeyedLock {
  const local = processLock();
  // ioredis is loaded on the first lock: a process without the queue never loads it.
  let redis: Promise<Redis> | undefined;
  const client = () => {
    redis ??= import("ioredis").then(({ Redis }) => new Redis(redisUrl, { maxRetriesPerRequest: 3 }));
    return redis;
  };
  return {
    run<T>(key: string, body: () => Promise<T>): Promise<T> {
      return local.run(key, async () => {
        const name = `${KEY_PREFIX}${scope}:${key}`;
        const token = randomUUID();
        const redisClient = await client();
        while ((await redisClient.set(name, token, "PX", LEASE_MS, "NX")) !== "OK") await sleep(POLL_MS);
        try {
          return await body();
        } finally {
          await redisClient.eval(RELEASE, 1, name, token);
        }
      });
    },
    async close() {
      await (await redis)?.quit();
    },
  };
}
