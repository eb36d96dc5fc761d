import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { secureHeaders } from "hono/secure-headers";
import type { AppEnv } from "./app_env.ts";
import { HttpError } from "./http_error.ts";

const digest = (text: string) => createHash("sha256").update(text).digest();

/**
 * Requires `Authorization: Bearer <key>` with one of the keys, when there are any (API_KEYS);
 * without keys the API is open. Keys are compared as SHA-256 digests in constant time, so neither
 * the content nor the length of a key leaks through timing.
 */
export function requireApiKey(keys: readonly string[]): MiddlewareHandler<AppEnv> {
  const accepted = keys.map(digest);
  return async (c, next) => {
    if (accepted.length === 0) return next();
    const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("Authorization") ?? "");
    const offered = match?.[1] ? digest(match[1]) : undefined;
    // Every key is compared, matched or not, to keep the time independent of which one matches.
    const ok = offered ? accepted.map((key) => timingSafeEqual(key, offered)).includes(true) : false;
    if (!ok) throw new HttpError("unauthorized", "a valid API key is required: send Authorization: Bearer <key>");
    return next();
  };
}

/** CORS for the front-end's origins only (CORS_ORIGINS); no origins, no CORS headers. */
export function allowOrigins(origins: readonly string[]): MiddlewareHandler<AppEnv> {
  const allowed = new Set(origins);
  return cors({
    origin: (origin) => (allowed.has(origin) ? origin : null),
    allowMethods: ["GET", "POST", "OPTIONS"],
    allowHeaders: ["Authorization", "Content-Type", "Accept"],
    exposeHeaders: ["X-Request-Id"],
    maxAge: 600,
  });
}

/**
 * The policy of the pages this server serves (the explorer, /docs): their own scripts, styles and API
 * only, from this server; no inline script or style (/docs carries its document in a JSON block, which
 * is not run), no framing. `img-src data:` is for the browsers' form icons and Swagger UI's.
 */
export const PAGE_CSP = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", "data:"],
  connectSrc: ["'self'"],
  formAction: ["'self'"],
  baseUri: ["'none'"],
  objectSrc: ["'none'"],
  frameAncestors: ["'none'"],
};

/** The secure headers of a page, with PAGE_CSP. */
export const pagePolicy = (): MiddlewareHandler<AppEnv> => secureHeaders({ contentSecurityPolicy: PAGE_CSP });
