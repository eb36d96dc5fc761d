import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { AppEnv } from "./app_env.ts";
import { HttpError } from "./http_error.ts";

/**
 * Logs every request once it has its response (request id, method, path, status, time) and counts it
 * in the metrics by matched route; unmatched paths share one label so scanners cannot blow up the
 * metric's cardinality.
 */
export const observeRequests: MiddlewareHandler<AppEnv> = async (c, next) => {
  const started = performance.now();
  await next();
  const durationMs = performance.now() - started;
  const matched = routePath(c, -1);
  const route = c.res.status === 404 && (matched === "*" || matched === "/*") ? "unmatched" : matched;
  const metrics = c.get("metrics");
  metrics.requests.inc({ method: c.req.method, route, status: String(c.res.status) });
  metrics.requestSeconds.observe({ method: c.req.method, route }, durationMs / 1000);
  c.get("logger").info(
    {
      requestId: c.get("requestId"),
      method: c.req.method,
      path: c.req.path,
      route,
      status: c.res.status,
      durationMs: Math.round(durationMs * 10) / 10,
    },
    "request",
  );
};

/**
 * Gives the handler REQUEST_TIMEOUT_MS to produce its response (a streamed body then flows at the
 * client's pace). Queries get the signal, so a timed-out request also stops its ClickHouse work;
 * the signal also fires when the client disconnects.
 */
export function limitRequestTime(timeoutMs: number): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    c.set("signal", AbortSignal.any([timeout, c.req.raw.signal]));
    let onTimeout: (() => void) | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      onTimeout = () =>
        reject(
          new HttpError("timeout", `the request took longer than ${timeoutMs} ms; narrow the range or add filters`),
        );
      timeout.addEventListener("abort", onTimeout, { once: true });
    });
    try {
      await Promise.race([next(), timedOut]);
    } finally {
      if (onTimeout) timeout.removeEventListener("abort", onTimeout);
    }
  };
}
