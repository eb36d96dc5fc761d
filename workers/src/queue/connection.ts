import { isUnreachableError } from "@ctr/schemas";
import { Redis, type RedisOptions } from "ioredis";

/**
 * Who holds the connection. Workers wait out a Redis outage (blocking commands must never give
 * up: `maxRetriesPerRequest: null`); producers (the CLI submitting, the API) fail fast instead of
 * queueing commands while Redis is away, so a caller gets an error rather than a hang.
 */
export type RedisRole = "worker" | "producer";

/** Reconnect delay: 200 ms, growing by 200 ms per attempt, at most 5 s; ioredis retries forever. */
export function reconnectDelay(attempt: number): number {
  return Math.min(attempt * 200, 5_000);
}

/** Opens an ioredis connection for BullMQ with the settings its role wants. */
export function openRedis(url: string, role: RedisRole): Redis {
  const options: RedisOptions =
    role === "worker"
      ? { maxRetriesPerRequest: null, retryStrategy: reconnectDelay }
      : { maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: reconnectDelay };
  const redis = new Redis(url, options);
  // Without a listener ioredis prints every failed reconnect as an unhandled error event.
  redis.on("error", () => {});
  return redis;
}

/** True when an error only says the Redis connection is down (ioredis reconnects by itself). */
export function isConnectionError(error: Error): boolean {
  return isUnreachableError(error) || error.message === "Connection is closed.";
}

/**
 * Makes an outage visible on a connection that reconnects forever: one line per reconnect attempt
 * (with the reason and the delay), and one when the connection is back. Only this connection is
 * watched: the blocking connections BullMQ duplicates from it fail and recover with it, and would
 * repeat every line.
 */
export function logReconnects(redis: Redis, log: (line: string) => void): void {
  let attempts = 0;
  let reason = "connection closed";
  redis.on("error", (error: Error) => {
    reason = error.message;
  });
  redis.on("reconnecting", (delayMs: number) => {
    attempts += 1;
    log(`Redis connection lost (${reason}); reconnect attempt ${attempts} in ${delayMs} ms`);
    reason = "connection closed";
  });
  redis.on("ready", () => {
    if (attempts > 0) log(`Redis connection back after ${attempts} reconnect attempt${attempts === 1 ? "" : "s"}`);
    attempts = 0;
  });
}

/**
 * Warns unless Redis evicts nothing (`maxmemory-policy noeviction`): under any other policy Redis
 * may drop queue keys when memory runs short, and jobs silently vanish. Returns the policy.
 */
export async function checkEvictionPolicy(redis: Redis, warn: (message: string) => void): Promise<string> {
  let policy = "unknown";
  try {
    const reply = (await redis.config("GET", "maxmemory-policy")) as unknown;
    if (Array.isArray(reply) && typeof reply[1] === "string") policy = reply[1];
  } catch {
    // Managed Redis services often refuse CONFIG; then the policy cannot be checked here.
    warn("could not read Redis maxmemory-policy (CONFIG GET refused); make sure it is noeviction");
    return policy;
  }
  if (policy !== "noeviction") {
    warn(`Redis maxmemory-policy is ${policy}: set it to noeviction, or queued jobs may be evicted`);
  }
  return policy;
}

/**
 * Deletes every Redis key under a queue prefix: all queues, jobs and schedulers of one deployment
 * (or of one test or benchmark run, which each get a prefix of their own).
 */
export async function deleteQueueKeys(redisUrl: string, prefix: string): Promise<void> {
  // Queued until connected (a producer connection would refuse commands sent before that).
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}
