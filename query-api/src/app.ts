import { OpenAPIHono } from "@hono/zod-openapi";
import type { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import type { AppDeps, AppEnv } from "./app_env.ts";
import { coverageRoutes } from "./coverage.ts";
import { ctrRoutes } from "./ctr_route.ts";
import { ctrTopRoutes } from "./ctr_top_route.ts";
import { ctrTotalsRoutes } from "./ctr_totals_route.ts";
import { GenerationClock } from "./data_generation.ts";
import { docsRoutes } from "./docs_route.ts";
import { explorerRoutes } from "./explorer_route.ts";
import { HttpError, handleError } from "./http_error.ts";
import { jobsRoutes } from "./jobs_route.ts";
import { limitRequestTime, observeRequests } from "./observe.ts";
import { OneAtATime } from "./one_at_a_time.ts";
import { describeApi } from "./openapi.ts";
import { probeRoutes } from "./probe_routes.ts";
import { productsRoutes } from "./products_route.ts";
import { ResultCache } from "./result_cache.ts";
import { allowOrigins, requireApiKey } from "./security.ts";

/** Largest request body accepted: a /ctr body is a few hundred bytes. Default 16 KiB. */
export const MAX_BODY_BYTES = 16 * 1024;

// A client's X-Request-Id is kept when it is a plain token (it ties the client's logs to ours).
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Builds the HTTP API. Dependencies are injected and reach handlers through the typed context
 * (`c.get("store")`, ...); the caller owns them (opens the store, closes it on shutdown).
 */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  const resultCache = new ResultCache({
    maxBytes: deps.config.resultCacheMb * 1024 * 1024,
    generation: new GenerationClock(deps.store),
    metrics: deps.metrics,
  });

  const largeRequests = new OneAtATime();

  app.use(async (c, next) => {
    c.set("resultCache", resultCache);
    c.set("largeRequests", largeRequests);
    c.set("store", deps.store);
    c.set("config", deps.config);
    c.set("logger", deps.logger);
    c.set("metrics", deps.metrics);
    if (deps.jobs) c.set("jobs", deps.jobs);
    if (deps.rollups !== undefined) c.set("rollups", deps.rollups);
    await next();
  });
  app.use(
    requestId({
      generator: (c) => {
        const offered = c.req.header("X-Request-Id");
        return offered && REQUEST_ID.test(offered) ? offered : crypto.randomUUID();
      },
    }),
  );
  app.use(observeRequests);
  app.use(secureHeaders());
  if (deps.config.corsOrigins.length > 0) app.use(allowOrigins(deps.config.corsOrigins));
  app.use(
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new HttpError("payload_too_large", `the request body must be at most ${MAX_BODY_BYTES} bytes`, "body");
      },
    }),
  );
  app.use(limitRequestTime(deps.config.requestTimeoutMs));

  mountRoutes(app, deps.config.apiKeys);
  app.notFound((c) =>
    c.json(new HttpError("not_found", `no route ${c.req.method} ${c.req.path}; see /docs`).toBody(), 404),
  );
  app.onError(handleError);
  return app;
}

/**
 * Every route of the API. Each operation's `createRoute` goes into the app's OpenAPI registry as it
 * is mounted, so /openapi.json describes exactly what is served.
 */
function mountRoutes(app: OpenAPIHono<AppEnv>, apiKeys: readonly string[]): void {
  // Open: probes, scrapes, the pages and the API's description.
  app.route("/", probeRoutes());
  app.route(
    "/",
    docsRoutes(() => describeApi(app)),
  );
  // The explorer page and its files; what it fetches is behind the keys like any client's requests.
  app.route("/", explorerRoutes());

  // Data: behind the API keys when there are any.
  for (const path of ["/ctr", "/ctr/*", "/coverage", "/products", "/jobs/*"]) app.use(path, requireApiKey(apiKeys));
  app.route("/", ctrRoutes());
  app.route("/", ctrTotalsRoutes());
  app.route("/", ctrTopRoutes());
  app.route("/", coverageRoutes());
  app.route("/", productsRoutes());
  app.route("/", jobsRoutes());
}

/** The OpenAPI document /openapi.json serves, without serving anything: for the lint and tests. */
export function buildOpenApiDocument(): ReturnType<typeof describeApi> {
  const app = new OpenAPIHono<AppEnv>();
  mountRoutes(app, []);
  return describeApi(app);
}
