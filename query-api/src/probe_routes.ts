import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import type { AppEnv } from "./app_env.ts";
import { HttpError } from "./http_error.ts";
import { COMMON_ERRORS, errorResponse, OPEN, serveOperation } from "./openapi.ts";

const healthzRoute = createRoute({
  method: "get",
  path: "/healthz",
  operationId: "getHealth",
  tags: ["Operations"],
  summary: "The process is up (liveness)",
  ...OPEN,
  responses: {
    200: {
      description: "Up",
      content: { "application/json": { schema: z.object({ status: z.literal("ok") }) } },
    },
    ...COMMON_ERRORS,
  },
});

const readyzRoute = createRoute({
  method: "get",
  path: "/readyz",
  operationId: "getReadiness",
  tags: ["Operations"],
  summary: "ClickHouse is reachable (readiness)",
  ...OPEN,
  responses: {
    200: {
      description: "Ready, and which store: embedded chDB or a ClickHouse server",
      content: {
        "application/json": {
          schema: z.object({ status: z.literal("ready"), store: z.string().meta({ examples: ["embedded"] }) }),
        },
      },
    },
    503: errorResponse(
      "Not ready: ClickHouse is unreachable",
      new HttpError("store_unavailable", "the data store (ClickHouse) is unreachable"),
    ),
    ...COMMON_ERRORS,
  },
});

const metricsRoute = createRoute({
  method: "get",
  path: "/metrics",
  operationId: "getMetrics",
  tags: ["Operations"],
  summary:
    "Prometheus metrics: requests by route and status, time to headers, ClickHouse query times, rows sent, the result cache (hits, misses, evictions, bytes)",
  ...OPEN,
  responses: {
    200: {
      description: "The Prometheus text format",
      content: { "text/plain": { schema: z.string().meta({ examples: ["ctr_api_ctr_rows_total 1234"] }) } },
    },
    ...COMMON_ERRORS,
  },
});

/** Probes and metrics: open, for the platform running the API. */
export function probeRoutes(): OpenAPIHono<AppEnv> {
  const routes = new OpenAPIHono<AppEnv>();
  serveOperation(routes, healthzRoute, (c) => c.json({ status: "ok" }));
  serveOperation(routes, readyzRoute, async (c) => {
    const ping = await c.get("store").client.ping();
    if (!ping.success) {
      c.get("logger").warn({ err: ping.error, requestId: c.get("requestId") }, "store not ready");
      throw new HttpError("store_unavailable", "the data store (ClickHouse) is unreachable");
    }
    return c.json({ status: "ready", store: c.get("store").kind });
  });
  serveOperation(routes, metricsRoute, async (c) => {
    const registry = c.get("metrics").registry;
    return c.body(await registry.metrics(), 200, { "Content-Type": registry.contentType });
  });
  return routes;
}
