import {
  getProductsWithViews,
  MAX_PRODUCT_LENGTH,
  PLATFORMS,
  PlatformFieldSchema,
  parseDay,
  parseGmt3WallClock,
  viewFolderDays,
} from "@ctr/schemas";
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "./app_env.ts";
import { timeQuery } from "./metrics.ts";
import { DATA_ERRORS, inputError, serveOperation } from "./openapi.ts";
import { readQuery, refusalOf } from "./request_input.ts";

/** Products listed when `limit` is absent: a type-ahead's worth. */
export const DEFAULT_PRODUCTS_LIMIT = 20;
/** The largest `limit` accepted. */
export const MAX_PRODUCTS_LIMIT = 1000;

const DAY_MS = 86_400_000;
// The days ClickHouse's DateTime can hold whole (it ends in 2106): no value is clamped silently.
const FIRST_DAY = "1970-01-01";
const LAST_DAY = "2105-12-31";

/** A GMT-3 calendar day, as the epoch ms of its midnight (GMT-3). */
const gmt3Day = (field: "from" | "to") =>
  z.string().transform((text, ctx) => {
    const midnight = parseDay(text) ? parseGmt3WallClock(`${text} 00:00:00`) : undefined;
    if (midnight === undefined) {
      ctx.addIssue({
        code: "custom",
        message: `${field} must be a day as YYYY-MM-DD (GMT-3), got ${JSON.stringify(text)}`,
      });
      return z.NEVER;
    }
    if (text < FIRST_DAY || text > LAST_DAY) {
      ctx.addIssue({ code: "custom", message: `${field} must lie between ${FIRST_DAY} and ${LAST_DAY}, got ${text}` });
      return z.NEVER;
    }
    return midnight;
  });
const ALL_TIME = { from: gmt3Midnight(FIRST_DAY), to: gmt3Midnight(LAST_DAY) };

function gmt3Midnight(day: string): number {
  return parseGmt3WallClock(`${day} 00:00:00`) ?? Number.NaN;
}

const limit = z.string().transform((text, ctx) => {
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= 1 && n <= MAX_PRODUCTS_LIMIT)) {
    ctx.addIssue({
      code: "custom",
      message: `limit must be a whole number from 1 to ${MAX_PRODUCTS_LIMIT}, got ${JSON.stringify(text)}`,
    });
    return z.NEVER;
  }
  return n;
});

/** `GET /products`' query string. Every field is optional: a bare `GET /products` lists the first products. */
export const ProductsQuerySchema = z
  .object({
    prefix: z
      .string()
      .max(MAX_PRODUCT_LENGTH, `prefix must be at most ${MAX_PRODUCT_LENGTH} characters`)
      .default("")
      .describe("Only products starting with this text (case-sensitive). Absent: every product."),
    from: gmt3Day("from").optional().meta({
      format: "date",
      description: "First GMT-3 day (YYYY-MM-DD) with views, included. Absent: the first stored day.",
    }),
    to: gmt3Day("to").optional().meta({
      format: "date",
      description: "Last GMT-3 day (YYYY-MM-DD), included. Absent: the last stored day.",
    }),
    platform: PlatformFieldSchema.optional().meta({
      description: `Only views on this platform: ${PLATFORMS.join(", ")}, case-insensitive. Absent: every platform.`,
    }),
    limit: limit.default(DEFAULT_PRODUCTS_LIMIT).meta({
      pattern: "^\\d+$",
      description: `At most this many products, 1..${MAX_PRODUCTS_LIMIT}; default ${DEFAULT_PRODUCTS_LIMIT}.`,
    }),
  })
  .superRefine((query, ctx) => {
    if (query.from !== undefined && query.to !== undefined && query.to < query.from) {
      ctx.addIssue({ code: "custom", path: ["to"], message: "to must not be before from" });
    }
  });

/** `GET /products`' answer. */
export const ProductsResponseSchema = z
  .object({
    products: z.array(z.string()).describe("Product codes with at least one view in the range, in byte order"),
    more: z.boolean().describe("True when more products match than `limit` listed: type more of the prefix"),
  })
  .meta({ id: "Products" });
export type ProductsResponse = z.infer<typeof ProductsResponseSchema>;

export const productsRoute = createRoute({
  method: "get",
  path: "/products",
  operationId: "listProducts",
  tags: ["Data"],
  summary: "Products with views in a range of GMT-3 days, in byte order: for a type-ahead",
  request: { query: ProductsQuerySchema },
  responses: {
    200: {
      description: "At most `limit` products",
      content: { "application/json": { schema: ProductsResponseSchema } },
    },
    ...inputError(refusalOf(ProductsQuerySchema, { limit: "0" })),
    ...DATA_ERRORS,
  },
});

/** `GET /products?prefix=&from=&to=&platform=&limit=`: the products with views, for a type-ahead. */
async function serveProducts(c: Context<AppEnv>): Promise<Response> {
  const query = readQuery(c, productsRoute);
  const startMs = query.from ?? ALL_TIME.from;
  const endMs = (query.to ?? ALL_TIME.to) + DAY_MS;
  const folderDays = viewFolderDays(startMs, endMs - 1);
  // One more than asked tells whether there are more, without counting them.
  const found = await timeQuery(c.get("metrics"), "products", () =>
    getProductsWithViews(c.get("store").client, {
      prefix: query.prefix,
      start: startMs / 1000,
      end: endMs / 1000,
      // The slack day before 1970-01-01 is not a Date ClickHouse holds; nothing is stored there.
      firstDay: folderDays.first < FIRST_DAY ? FIRST_DAY : folderDays.first,
      lastDay: folderDays.last,
      ...(query.platform === undefined ? {} : { platform: query.platform }),
      limit: query.limit + 1,
    }),
  );
  const body: ProductsResponse = { products: found.slice(0, query.limit), more: found.length > query.limit };
  return c.json(ProductsResponseSchema.parse(body));
}

export function productsRoutes(): OpenAPIHono<AppEnv> {
  const routes = new OpenAPIHono<AppEnv>();
  serveOperation(routes, productsRoute, serveProducts);
  return routes;
}
