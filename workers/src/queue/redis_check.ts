/**
 * Fails fast when Redis cannot be reached: the queue connections retry forever (a worker outlives an
 * outage), so a CLI command started against a wrong or down REDIS_URL would otherwise wait silently.
 * One connection attempt, bounded by `timeoutMs` (default 5 s); throws an error naming REDIS_URL.
 */
export async function checkRedisReachable(url: string, timeoutMs = 5_000): Promise<void> {
  // Loaded here: a command checks Redis before it loads anything else of the queue.
  const { Redis } = await import("ioredis");
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // ioredis rejects connect() with a bare "Connection is closed."; the cause is the last error event.
  let lastError: Error | undefined;
  redis.on("error", (error: Error) => {
    lastError = error;
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    const cause = lastError ?? (error as Error);
    throw new Error(`cannot reach Redis at ${new URL(url).host} (REDIS_URL): ${cause.message}`, { cause });
  } finally {
    redis.disconnect();
  }
}
