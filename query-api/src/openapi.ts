import type { OpenAPIHono, RouteConfig } from "@hono/zod-openapi";
import type { Handler } from "hono";
import { z } from "zod";
import type { AppEnv } from "./app_env.ts";
import { ERROR_STATUS, type ErrorCode, HttpError } from "./http_error.ts";

/**
 * The OpenAPI 3.1 document is generated from the routes themselves: each operation is a
 * `createRoute(...)` next to its handler, whose request schemas are the zod schemas the handler reads
 * its input with, and whose response schemas describe what it sends.
 */

/** The body of every error response, 4xx and 5xx alike. */
export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]).meta({
        description:
          "Fixes the status: invalid_request 400, unauthorized 401, not_found 404, request_timeout 408, payload_too_large 413, uri_too_long 414, result_too_large 422, headers_too_large 431, internal_error 500, store_unavailable 503, timeout 504",
      }),
      message: z.string().meta({ description: "What is wrong and what is wanted, for a person" }),
      field: z
        .string()
        .optional()
        .meta({ description: "The input at fault: a parameter or field name, or body, url, headers" }),
    }),
  })
  .meta({ id: "Error" });

/** An error response of an operation: what causes it there, and an example body made as the API makes it. */
export const errorResponse = (description: string, example: HttpError) => ({
  description,
  content: { "application/json": { schema: ErrorSchema, example: example.toBody() } },
});

/**
 * The errors any request can get, whatever its route: refused by Node's HTTP parser before the app
 * sees it (414, 431), an internal fault (500), or out of time (504).
 */
export const COMMON_ERRORS = {
  414: errorResponse(
    "The request line is over 16 KiB: shorten the query string",
    new HttpError("uri_too_long", "the request line is over 16 KiB: shorten the query string", "url"),
  ),
  431: errorResponse(
    "The request line and headers are over 16 KiB together",
    new HttpError("headers_too_large", "the request line and headers are over 16 KiB together", "headers"),
  ),
  500: errorResponse(
    "An internal error: the body says nothing internal; the log has the details under the response's X-Request-Id",
    new HttpError("internal_error", "internal error"),
  ),
  504: errorResponse(
    "The request took longer than REQUEST_TIMEOUT_MS",
    new HttpError("timeout", "the request took longer than 30000 ms; narrow the range or add filters"),
  ),
} as const;

/** The 401 of the routes behind the API keys. */
export const UNAUTHORIZED = {
  401: errorResponse(
    "API keys are configured (API_KEYS) and the Bearer token is missing or wrong",
    new HttpError("unauthorized", "a valid API key is required: send Authorization: Bearer <key>"),
  ),
} as const;

/** The errors of the routes that read stored data: behind the API keys, and the store may be down. */
export const DATA_ERRORS = {
  ...UNAUTHORIZED,
  503: errorResponse(
    "The data store (ClickHouse) is unreachable; try again later",
    new HttpError("store_unavailable", "the data store (ClickHouse) is unreachable; try again later"),
  ),
  ...COMMON_ERRORS,
} as const;

/** A refused input; every route reads its input the same way (request_input.ts). */
export const inputError = (example: HttpError) => ({
  400: errorResponse(
    "Bad input: a bad value, a parameter or field the route does not take, or one given twice; `field` names it",
    example,
  ),
});

/** The 413 of the routes that take a body. */
export const BODY_TOO_LARGE = {
  413: errorResponse(
    "The body is over 16 KiB",
    new HttpError("payload_too_large", "the request body must be at most 16384 bytes", "body"),
  ),
} as const;

/** Routes anyone may call, API keys or not: probes, metrics, pages, this description. */
export const OPEN: Pick<RouteConfig, "security"> = { security: [] };

/**
 * Serves an operation: its route goes into the OpenAPI document, its handler answers it.
 *
 * Not `OpenAPIHono.openapi()`: the validators it adds read a query string with Hono's parser (a
 * repeated parameter becomes an array), answer a body without a JSON Content-Type with 415 and parse
 * JSON without seeing repeated keys, where the contract wants all of those refused with its own 400.
 * Handlers read their input with request_input.ts instead, through the route's own schemas, so the
 * document and the validation cannot disagree.
 */
export function serveOperation(app: OpenAPIHono<AppEnv>, route: RouteConfig, handler: Handler<AppEnv>): void {
  app.openAPIRegistry.registerPath(route);
  app.on(route.method.toUpperCase(), route.path.replaceAll(/\{(\w+)\}/g, ":$1"), handler);
}

const TAGS = [
  { name: "CTR", description: "Click-through rate: purchases / product views per bucket, platform and product" },
  { name: "Data", description: "What is loaded, and what can be asked for" },
  { name: "Jobs", description: "Backfills submitted over HTTP, when the process has a job system (ctr serve)" },
  { name: "Operations", description: "Probes and metrics for the platform running the API" },
  { name: "Pages", description: "Pages for people: the explorer and this API's reference" },
];

/**
 * The repository declares no licence: the packages are private. An SPDX LicenseRef says so until it
 * names one. (A constant, not a literal: the generator's config is typed with OpenAPI 3.0's licence
 * object, which lacks 3.1's `identifier`.)
 */
const LICENSE = { name: "Proprietary: all rights reserved", identifier: "LicenseRef-Proprietary" };

/** The OpenAPI 3.1 document of the routes mounted on `app`. */
export function describeApi(app: OpenAPIHono<AppEnv>): ReturnType<OpenAPIHono<AppEnv>["getOpenAPI31Document"]> {
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "One of the keys in API_KEYS. Needed only when API_KEYS is set: without keys the API is open.",
  });
  return app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: {
      title: "CTR analytics API",
      version: "1.0.0",
      description:
        "CTR = purchases / product views per time bucket, platform and product. Every time is GMT-3 wall-clock time (UTC-03:00, no daylight saving). Every response carries X-Request-Id, which the logs use.",
      license: LICENSE,
    },
    servers: [{ url: "/", description: "The server that serves this document" }],
    // Open without API_KEYS, a Bearer key with them.
    security: [{}, { bearer: [] }],
    tags: TAGS,
  });
}
