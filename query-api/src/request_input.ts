import type { Context } from "hono";
import type { AppEnv } from "./app_env.ts";
import { HttpError } from "./http_error.ts";

/**
 * The one reading of query strings and JSON bodies every route uses, so that they all refuse the
 * same things with the same 400: a parameter or field the route does not know (a typo such as
 * `platfrom` would silently widen the result), one given twice (which value wins is a guess), and
 * keys such as `__proto__` that an object would swallow instead of holding.
 */

/** Names the parameters a route takes, for the messages. */
function expected(allowed: readonly string[]): string {
  return allowed.length === 0 ? "it takes none" : `expected ${allowed.join(", ")}`;
}

function unknownField(route: string, name: string, allowed: readonly string[], kind: string): HttpError {
  return new HttpError("invalid_request", `${name} is not a ${kind} of ${route}; ${expected(allowed)}`, name);
}

/**
 * The query string as one value per parameter. Read from the raw URL with URLSearchParams into a
 * Map, so that every key counts (`__proto__` and `constructor` included) and none is merged away.
 */
export function readQueryParams(c: Context<AppEnv>, route: string, allowed: readonly string[]): Map<string, string> {
  const params = new Map<string, string>();
  const search = new URL(c.req.url).search;
  for (const [name, value] of new URLSearchParams(search)) {
    if (!allowed.includes(name)) throw unknownField(route, name, allowed, "parameter");
    if (params.has(name)) throw new HttpError("invalid_request", `${name} must be given once`, name);
    params.set(name, value);
  }
  return params;
}

/** The keys of a JSON object's top level, in order, duplicates kept (JSON.parse keeps the last one). */
export function topLevelKeys(json: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let i = 0;
  while (i < json.length) {
    const char = json[i];
    if (char === '"') {
      const start = i;
      for (i++; i < json.length && json[i] !== '"'; i++) if (json[i] === "\\") i++;
      const literal = json.slice(start, i + 1);
      i++;
      while (/\s/.test(json[i] ?? "")) i++;
      if (depth === 1 && json[i] === ":") keys.push(JSON.parse(literal) as string);
      continue;
    }
    if (char === "{" || char === "[") depth++;
    else if (char === "}" || char === "]") depth--;
    i++;
  }
  return keys;
}

/**
 * Reads the body as a JSON object whose fields are all in `allowed`, each given once. Anything else
 * (not JSON, not an object, an unknown or repeated field) is a 400 naming the field, or `body`.
 */
export async function readJsonObject(
  c: Context<AppEnv>,
  route: string,
  allowed: readonly string[],
  example: string,
): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new HttpError("invalid_request", `the body must be a JSON object like ${example}`, "body");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new HttpError("invalid_request", `the body must be a JSON object like ${example}`, "body");
  }
  const seen = new Set<string>();
  for (const key of topLevelKeys(text)) {
    if (!allowed.includes(key)) throw unknownField(route, key, allowed, "field");
    if (seen.has(key)) throw new HttpError("invalid_request", `${key} must be given once`, key);
    seen.add(key);
  }
  return body as Record<string, unknown>;
}
