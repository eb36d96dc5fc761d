import { z } from "zod";
import { platformField } from "./ctr_request.ts";
import { dayCount, MAX_BACKFILL_DAYS, parseDay } from "./time.ts";

/** The days ClickHouse's Date holds, both included: a day outside them would be clamped silently. */
export const FIRST_STORABLE_DAY = "1970-01-01";
export const LAST_STORABLE_DAY = "2149-06-06";

export type DayRangeField = "from" | "to" | "platform";

/** How messages name a field: the API by the field itself (`from`), the CLI by its flag (`--from`). */
export type FieldLabel = (field: DayRangeField) => string;

const byFieldName: FieldLabel = (field) => field;

const show = (value: unknown) => (typeof value === "number" ? String(value) : JSON.stringify(value));

/** A calendar day `YYYY-MM-DD` (a real one: 2016-02-30 is refused). */
function dayField(field: "from" | "to", label: FieldLabel) {
  const name = label(field);
  return z
    .string({
      error: (issue) =>
        issue.input === undefined
          ? `${name} is required: a day as YYYY-MM-DD`
          : `${name} wants a day as YYYY-MM-DD, got ${show(issue.input)}`,
    })
    .transform((text, ctx) => {
      if (parseDay(text) === undefined) {
        ctx.addIssue({ code: "custom", message: `${name} wants a day as YYYY-MM-DD, got ${show(text)}` });
        return z.NEVER;
      }
      return text;
    })
    .meta({ format: "date", examples: ["2016-02-01"] });
}

/**
 * The first rule of a range its days break, in the order a user fixes them: from not after to, at
 * most `maxDays` days, then days ClickHouse can hold. Days compare as text: YYYY-MM-DD sorts by time.
 */
function rangeProblem(
  { from, to }: { from: string; to: string },
  label: FieldLabel,
  maxDays: number | undefined,
): { field: "from" | "to"; message: string } | undefined {
  if (from > to) return { field: "to", message: `${label("from")} ${from} is after ${label("to")} ${to}` };
  const days = dayCount(parseDay(from) ?? new Date(0), parseDay(to) ?? new Date(0));
  if (maxDays !== undefined && days > maxDays) {
    const count = (n: number) => n.toLocaleString("en-US");
    return {
      field: "to",
      message: `${label("from")} ${from} ${label("to")} ${to} covers ${count(days)} days; one run may cover at most ${count(maxDays)} (split the range)`,
    };
  }
  const outside = ([from, to] as const).findIndex((day) => day < FIRST_STORABLE_DAY || day > LAST_STORABLE_DAY);
  if (outside === -1) return undefined;
  const field = outside === 0 ? "from" : "to";
  return {
    field,
    message: `${label(field)} must lie between ${FIRST_STORABLE_DAY} and ${LAST_STORABLE_DAY}, got ${outside === 0 ? from : to}`,
  };
}

function checkRange(label: FieldLabel, maxDays: number | undefined) {
  return (range: { from: string; to: string }, ctx: z.RefinementCtx): void => {
    const problem = rangeProblem(range, label, maxDays);
    if (problem) ctx.addIssue({ code: "custom", path: [problem.field], message: problem.message });
  };
}

const PLATFORM_DESCRIPTION = "Only this platform: Android, MobileWeb or iOS, case-insensitive. Absent: all three.";

function dayRangeFields(label: FieldLabel) {
  return {
    from: dayField("from", label).describe("First day, YYYY-MM-DD, included."),
    to: dayField("to", label).describe("Last day, YYYY-MM-DD, included; not before from."),
    // JSON clients send null for "no filter": all three, as when it is absent.
    platform: z
      .preprocess((value) => value ?? undefined, platformField(label("platform")).optional())
      .meta({ type: "string", description: PLATFORM_DESCRIPTION, examples: ["iOS"] }),
  };
}

export interface DayRangeOptions {
  /** How messages name the fields. Default: by their names, as the API's 400 does (`field` names them too). */
  label?: FieldLabel;
  /** The most days the range may cover, both ends included. Default MAX_BACKFILL_DAYS. */
  maxDays?: number;
}

/**
 * The one validation of a range of days and a platform: `from`, `to` (both required; from <= to; at
 * most `maxDays` days; days ClickHouse's Date holds) and `platform` (optional). `ctr backfill` and
 * `ctr rebuild` read their flags with it (labels `--from`, ...), `POST /jobs/backfill` its body;
 * `GET /coverage` its query through dayRangeFilterSchema, the same fields with open ends.
 */
export function dayRangeSchema({ label = byFieldName, maxDays = MAX_BACKFILL_DAYS }: DayRangeOptions = {}) {
  return z.strictObject(dayRangeFields(label)).superRefine(checkRange(label, maxDays));
}

/**
 * dayRangeSchema for a filter: either end may be left out, standing for the first or last day
 * ClickHouse holds, and the range is not capped.
 */
export function dayRangeFilterSchema({ label = byFieldName }: Pick<DayRangeOptions, "label"> = {}) {
  const { from, to, platform } = dayRangeFields(label);
  return z
    .strictObject({
      from: from
        .default(FIRST_STORABLE_DAY)
        .describe(`First day, YYYY-MM-DD, included. Default ${FIRST_STORABLE_DAY}.`),
      to: to.default(LAST_STORABLE_DAY).describe(`Last day, YYYY-MM-DD, included. Default ${LAST_STORABLE_DAY}.`),
      platform,
    })
    .superRefine(checkRange(label, undefined));
}

export type DayRange = z.output<ReturnType<typeof dayRangeSchema>>;
