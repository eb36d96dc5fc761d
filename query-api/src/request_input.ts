import { toFieldError } from "@ctr/schemas";
import type { Context } from "hono";
import type { z } from "zod";
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

/** Parses what was read with a route's schema; the first problem is the 400, naming its field. */
function parseInput<Schema extends z.ZodType>(schema: Schema, input: unknown, fallback: string): z.output<Schema> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const { field, message } = toFieldError(parsed.error, fallback);
  throw new HttpError("invalid_request", message, field);
}

/** The 400 an input gets, as the route answers it: for the examples of the OpenAPI document. */
export function refusalOf(schema: z.ZodType, input: unknown): HttpError {
  try {
    parseInput(schema, input, "body");
  } catch (error) {
    if (error instanceof HttpError) return error;
    throw error;
  }
  throw new Error(`not a refused input: ${JSON.stringify(input)}`);
}

/** A route whose query string is described (and validated) by a zod object. */
interface QueryRoute {
  path: string;
  request: { query: z.ZodObject };
}

/** A route whose JSON body is described (and validated) by a zod object, with an example. */
interface JsonBodyRoute {
  path: string;
  request: { body: { content: { "application/json": { schema: z.ZodObject; example: unknown } } } };
}

type BodySchema<Route extends JsonBodyRoute> = Route["request"]["body"]["content"]["application/json"]["schema"];

/** Reads a route's query string: the parameters its schema names, each once, parsed by that schema. */
export function readQuery<Route extends QueryRoute>(
  c: Context<AppEnv>,
  route: Route,
): z.output<Route["request"]["query"]> {
  const schema = route.request.query;
  const params = readQueryParams(c, route.path, Object.keys(schema.shape));
  return parseInput<Route["request"]["query"]>(schema, Object.fromEntries(params), "query");
}

/** Refuses any query parameter, for a route that takes none. */
export function readNoQuery(c: Context<AppEnv>, route: { path: string }): void {
  readQueryParams(c, route.path, []);
}

/**
 * Reads a route's JSON body: an object with the fields its schema names, each once, parsed by that
 * schema. Its fields go in the body only: a query string is refused rather than ignored.
 */
export async function readBody<Route extends JsonBodyRoute>(
  c: Context<AppEnv>,
  route: Route,
): Promise<z.output<BodySchema<Route>>> {
  readQueryParams(c, `POST ${route.path} (its fields go in the JSON body)`, []);
  const { schema, example } = route.request.body.content["application/json"];
  const body = await readJsonObject(c, route.path, Object.keys(schema.shape), JSON.stringify(example));
  return parseInput<BodySchema<Route>>(schema, body, "body");
}
