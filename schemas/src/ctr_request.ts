import { z } from "zod";
import { PLATFORMS, type Platform, parsePlatformName } from "./platform.ts";
import { parseGmt3WallClock } from "./time.ts";

/** The largest aggregation accepted: 100 years of minutes, far beyond any stored range. */
export const MAX_AGGREGATION_MINUTES = 52_560_000;
/** Product codes are short; anything longer is a mistake or an attack. */
export const MAX_PRODUCT_LENGTH = 256;

/**
 * The earliest and latest times a request may name, as GMT-3 wall clock, both included. ClickHouse
 * DateTime covers 1970-01-01 00:00:00 to 2106-02-07 06:28:15 UTC; a day of margin each side keeps
 * every request (and its day of slack) inside it, so no value is clamped silently.
 */
export const FIRST_WALL_CLOCK = "1970-01-02 00:00:00";
export const LAST_WALL_CLOCK = "2105-12-31 23:59:00";
const FIRST_MS = parseGmt3WallClock(FIRST_WALL_CLOCK) ?? Number.NaN;
const LAST_MS = parseGmt3WallClock(LAST_WALL_CLOCK) ?? Number.NaN;

/** A type error's message: "is required" only when the field is absent, else what was sent instead. */
export const missingOrWrongType =
  (field: string, wanted: string) =>
  (issue: { input?: unknown }): string =>
    issue.input === undefined
      ? `${field} is required: ${wanted}`
      : `${field} must be ${wanted}, got ${typeof issue.input === "number" ? String(issue.input) : JSON.stringify(issue.input)}`;

const wallClock = (field: string) =>
  z.string({ error: missingOrWrongType(field, "a GMT-3 time as YYYY-MM-DD HH:MM:SS") }).transform((text, ctx) => {
    const ms = parseGmt3WallClock(text);
    if (ms === undefined) {
      ctx.addIssue({
        code: "custom",
        message: `${field} must be a real calendar time as YYYY-MM-DD HH:MM:SS (GMT-3), got ${JSON.stringify(text)}`,
      });
      return z.NEVER;
    }
    if (!text.endsWith(":00")) {
      ctx.addIssue({ code: "custom", message: `${field} must fall on a whole minute (seconds 00), got ${text}` });
      return z.NEVER;
    }
    if (ms < FIRST_MS || ms > LAST_MS) {
      ctx.addIssue({
        code: "custom",
        message: `${field} must lie between ${FIRST_WALL_CLOCK} and ${LAST_WALL_CLOCK} (GMT-3), got ${text}`,
      });
      return z.NEVER;
    }
    return { text, epochMs: ms };
  });

const AGGREGATION_WANTED = "a positive whole number of minutes";

/** Minutes per bucket: a whole number, or a string of digits (" 60 " or "6e1" is not what a client meant). */
function toAggregation(value: number | string, ctx: z.RefinementCtx): number {
  const n = typeof value === "number" ? value : /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_AGGREGATION_MINUTES) {
    ctx.addIssue({
      code: "custom",
      message: `aggregation must be ${AGGREGATION_WANTED} (1..${MAX_AGGREGATION_MINUTES}), got ${JSON.stringify(value)}`,
    });
    return z.NEVER;
  }
  return n;
}

const aggregation = z
  .union([z.number(), z.string()], { error: missingOrWrongType("aggregation", AGGREGATION_WANTED) })
  .transform(toAggregation);

const product = z
  .string({ error: "product must be one product code (a string)" })
  .min(1, "product must not be empty")
  .max(MAX_PRODUCT_LENGTH, `product must be at most ${MAX_PRODUCT_LENGTH} characters`);

/**
 * A platform field: one of PLATFORMS, case-insensitive, not trimmed (`" iOS"` is a mistake, not iOS).
 * `name` is how messages call the field: `platform` in the API, `--platform` in the CLI.
 */
export function platformField(name = "platform") {
  const wanted = `one of ${PLATFORMS.join(", ")} (case-insensitive)`;
  return z
    .string({
      error: (issue) =>
        issue.input === undefined
          ? `${name} is required: ${wanted}`
          : `${name} wants ${wanted}, got ${JSON.stringify(issue.input)}`,
    })
    .transform((value, ctx): Platform => {
      const parsed = parsePlatformName(value);
      if (!parsed) {
        ctx.addIssue({ code: "custom", message: `${name} wants ${wanted}, got ${JSON.stringify(value)}` });
        return z.NEVER;
      }
      return parsed;
    });
}

const platform = platformField();

export const WALL_CLOCK_PATTERN = "^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:00$";

// What the fields' transforms cannot say in the OpenAPI document: formats, bounds, examples.
export const CTR_FIELDS = {
  startTimestamp: wallClock("startTimestamp").meta({
    description: `Start of the range, included: GMT-3 wall-clock time, seconds 00, from ${FIRST_WALL_CLOCK} to ${LAST_WALL_CLOCK}.`,
    pattern: WALL_CLOCK_PATTERN,
    examples: ["2016-02-01 10:00:00"],
  }),
  endTimestamp: wallClock("endTimestamp").meta({
    description: "End of the range, excluded; after startTimestamp. Same format.",
    pattern: WALL_CLOCK_PATTERN,
    examples: ["2016-02-01 12:00:00"],
  }),
  aggregation: aggregation.meta({
    description: `Bucket width in minutes, a whole number 1..${MAX_AGGREGATION_MINUTES} (a number or a numeric string). Buckets start at startTimestamp.`,
    // What toAggregation accepts, which the union of its input types cannot say.
    anyOf: [
      { type: "integer", minimum: 1, maximum: MAX_AGGREGATION_MINUTES },
      { type: "string", pattern: "^\\d+$" },
    ],
    examples: [60],
  }),
  product: product.optional().meta({ description: "Only this product code (codeColor). Absent: one row per product." }),
  platform: platform.optional().meta({
    description: `Only this platform: ${PLATFORMS.join(", ")}, case-insensitive. Absent: one row per platform.`,
    examples: ["iOS"],
  }),
};

export function endAfterStart(
  req: { startTimestamp: { epochMs: number; text: string }; endTimestamp: { epochMs: number } },
  ctx: z.RefinementCtx,
): void {
  if (req.endTimestamp.epochMs <= req.startTimestamp.epochMs) {
    ctx.addIssue({
      code: "custom",
      path: ["endTimestamp"],
      message: `endTimestamp must be after startTimestamp (${req.startTimestamp.text})`,
    });
  }
}

/**
 * The /ctr request as a JSON body (POST). Every rule of the contract's API section lives here, so
 * the OpenAPI document and the handler cannot disagree. Strict: a field it does not know is refused
 * (the API names it first, in request_input.ts).
 */
export const CtrRequestSchema = z.strictObject(CTR_FIELDS).superRefine(endAfterStart).meta({ id: "CtrRequest" });

/** The same request as a query string carries it (GET): every value is text, aggregation digits. */
const queryAggregation = z
  .string({ error: missingOrWrongType("aggregation", AGGREGATION_WANTED) })
  .transform(toAggregation)
  .meta({ description: CTR_FIELDS.aggregation.description, pattern: "^\\d+$", examples: ["60"] });

export const CtrQuerySchema = z
  .strictObject({ ...CTR_FIELDS, aggregation: queryAggregation })
  .superRefine(endAfterStart);

// /ctr/totals: the /ctr fields but product; the totals run over every product.
const { product: _perProduct, ...TOTALS_FIELDS } = CTR_FIELDS;

/** The /ctr/totals request as a JSON body (POST): the /ctr fields except `product`. */
export const CtrTotalsRequestSchema = z
  .strictObject(TOTALS_FIELDS)
  .superRefine(endAfterStart)
  .meta({ id: "CtrTotalsRequest" });

/** The same request as a query string carries it (GET). */
export const CtrTotalsQuerySchema = z
  .strictObject({ ...TOTALS_FIELDS, aggregation: queryAggregation })
  .superRefine(endAfterStart);

export type CtrTotalsRequest = z.output<typeof CtrTotalsRequestSchema>;

export type CtrRequestInput = z.input<typeof CtrRequestSchema>;
export type CtrRequest = z.output<typeof CtrRequestSchema>;

/** One row of the /ctr response. */
export const CtrRowSchema = z
  .object({
    timestamp: z
      .string()
      .meta({ description: "Bucket start, GMT-3, YYYY-MM-DD HH:MM:SS", pattern: WALL_CLOCK_PATTERN }),
    platform: z.enum(PLATFORMS),
    product: z.string(),
    CTR: z.number().nullable().meta({
      description:
        "purchases / productViews rounded half up, written with exactly four decimals (0.0150); null without views",
    }),
    purchases: z.int().nonnegative(),
    productViews: z.int().nonnegative(),
  })
  .meta({
    id: "CtrRow",
    examples: [
      {
        timestamp: "2016-02-01 10:00:00",
        platform: "iOS",
        product: "20001829_048",
        CTR: 0.015,
        purchases: 3,
        productViews: 200,
      },
    ],
  });
export type CtrRow = z.infer<typeof CtrRowSchema>;

/** One row of the /ctr/totals response: a /ctr row summed over every product. */
export const CtrTotalsRowSchema = CtrRowSchema.omit({ product: true }).meta({
  id: "CtrTotalsRow",
  examples: [{ timestamp: "2016-02-01 10:00:00", platform: "iOS", CTR: 0.0213, purchases: 87, productViews: 4081 }],
});
export type CtrTotalsRow = z.infer<typeof CtrTotalsRowSchema>;

export interface FieldError {
  field: string;
  message: string;
}

export type CtrRequestParse = { ok: true; request: CtrRequest } | { ok: false; error: FieldError };

/** Validates a /ctr request and names the first offending field, as the 400 body needs. */
export function parseCtrRequest(input: unknown): CtrRequestParse {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return { ok: false, error: { field: "body", message: "the request must be a JSON object" } };
  }
  const result = CtrRequestSchema.safeParse(input);
  return result.success ? { ok: true, request: result.data } : { ok: false, error: toFieldError(result.error, "body") };
}

/** A validation failure as the 400 body wants it: the first issue's field (else `fallback`) and message. */
export function toFieldError(error: z.ZodError, fallback: string): FieldError {
  const issue = error.issues[0];
  const field = String(issue?.path[0] ?? fallback);
  return { field, message: issue?.message ?? `${field} is invalid` };
}

/** The platform field as /ctr validates it, for the other routes that filter by platform. */
export const PlatformFieldSchema = platform;
