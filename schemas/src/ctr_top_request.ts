import { z } from "zod";
import { CTR_FIELDS, endAfterStart, missingOrWrongType } from "./ctr_request.ts";

/** The most products one /ctr/top answer lists. */
export const MAX_TOP_LIMIT = 1000;

/** What /ctr/top ranks by: views, purchases, or the lower end of the CTR's 95% Wilson interval. */
export const TOP_RANKINGS = ["views", "purchases", "ctr"] as const;
export type TopRanking = (typeof TOP_RANKINGS)[number];

/** The largest minViews accepted: a UInt64 would take more, but no product has more views than this. */
const MAX_MIN_VIEWS = Number.MAX_SAFE_INTEGER;

/**
 * A whole number field in `[min, max]`: a JSON number, or (in a query string, or a body that quotes
 * it) a string of digits, as `aggregation` is read.
 */
function wholeNumber(field: string, min: number, max: number) {
  const wanted = `a whole number ${min}..${max}`;
  return z.union([z.number(), z.string()], { error: missingOrWrongType(field, wanted) }).transform((value, ctx) => {
    const n = typeof value === "number" ? value : /^\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isInteger(n) || n < min || n > max) {
      ctx.addIssue({ code: "custom", message: `${field} must be ${wanted}, got ${JSON.stringify(value)}` });
      return z.NEVER;
    }
    return n;
  });
}

const by = z.enum(TOP_RANKINGS, {
  error: (issue) =>
    issue.input === undefined
      ? `by is required: one of ${TOP_RANKINGS.join(", ")}`
      : `by must be one of ${TOP_RANKINGS.join(", ")}, got ${JSON.stringify(issue.input)}`,
});

const TOP_FIELDS = {
  startTimestamp: CTR_FIELDS.startTimestamp,
  endTimestamp: CTR_FIELDS.endTimestamp,
  platform: CTR_FIELDS.platform.meta({
    description: "Only this platform's views and purchases, case-insensitive. Absent: summed over every platform.",
    examples: ["iOS"],
  }),
  by: by.meta({
    description:
      "The ranking: most views, most purchases, or highest ctrLow (the lower end of the 95% Wilson interval, so a product with little evidence cannot top the list). Ties by product in byte order.",
    examples: ["ctr"],
  }),
  limit: wholeNumber("limit", 1, MAX_TOP_LIMIT).meta({
    description: `How many products to list, 1..${MAX_TOP_LIMIT} (a number or a numeric string).`,
    anyOf: [
      { type: "integer", minimum: 1, maximum: MAX_TOP_LIMIT },
      { type: "string", pattern: "^\\d+$" },
    ],
    examples: [10],
  }),
  minViews: wholeNumber("minViews", 0, MAX_MIN_VIEWS)
    .optional()
    .meta({
      description: "Only products with at least this many views over the range (default 0: every product).",
      anyOf: [
        { type: "integer", minimum: 0, maximum: MAX_MIN_VIEWS },
        { type: "string", pattern: "^\\d+$" },
      ],
      examples: [100],
    }),
};

/** The /ctr/top request as a JSON body (POST) or a query string (GET): the same fields. */
export const CtrTopRequestSchema = z.strictObject(TOP_FIELDS).superRefine(endAfterStart).meta({ id: "CtrTopRequest" });

export type CtrTopRequest = z.output<typeof CtrTopRequestSchema>;

const fourDecimals = (description: string) => z.number().nullable().meta({ description });

/** One product of the /ctr/top response. */
export const CtrTopRowSchema = z
  .object({
    product: z.string(),
    CTR: fourDecimals(
      "purchases / productViews over the range, rounded half up, written with exactly four decimals; null without views",
    ),
    ctrLow: fourDecimals(
      "Lower end of the 95% Wilson score interval of the CTR (z = 1.959963984540054), four decimals, half up; null without views. Purchases beyond the views count as every view converted.",
    ),
    ctrHigh: fourDecimals("Upper end of the same interval; null without views"),
    purchases: z.int().nonnegative(),
    productViews: z.int().nonnegative(),
  })
  .meta({
    id: "CtrTopRow",
    examples: [
      { product: "20001829_048", CTR: 0.0213, ctrLow: 0.0173, ctrHigh: 0.0262, purchases: 87, productViews: 4081 },
    ],
  });
export type CtrTopRow = z.infer<typeof CtrTopRowSchema>;
