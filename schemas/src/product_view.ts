import { z } from "zod";
import type { ViewTimeWindow } from "./time.ts";

/**
 * One event inside a batch. Only the fields the contract reads are typed; the rest passes through.
 * Ids are 64-bit and must never be read through a JS number, so they are not typed here:
 * code that needs them reads the raw JSON text.
 */
export const EventSchema = z.looseObject({
  event_type: z.unknown().optional(),
  data: z
    .looseObject({
      event_name: z.unknown().optional(),
      timestamp_unixtime_ms: z.unknown().optional(),
      custom_attributes: z.looseObject({ codeColor: z.unknown().optional() }).nullish(),
    })
    .nullish(),
});
export type Event = z.infer<typeof EventSchema>;

/** A batch as it arrives in the event files: an object whose `events` is an array of objects. */
export const EventBatchSchema = z.looseObject({ events: z.array(EventSchema) });
export type EventBatch = z.infer<typeof EventBatchSchema>;

/** A product view, as the contract defines it, reduced to what the per-minute counts need. */
export interface ProductView {
  /** UTC epoch milliseconds, possibly fractional. */
  timestampMs: number;
  /** The product code (`codeColor`). */
  product: string;
}

export type EventVerdict =
  | { kind: "view"; view: ProductView }
  | { kind: "ignored" }
  | { kind: "malformed"; reason: string };

export type ViewTimeJudgement = { ok: true; timestampMs: number } | { ok: false; reason: string };

/**
 * Judges a product view's `data.timestamp_unixtime_ms`: its time when the view can be stored,
 * else why not. The time must be a JSON number (a string time is not converted), finite (a
 * number beyond a double's range parses as Infinity), and inside its folder's plausibility window:
 * anything else would be stored at a wrong time, or at none. The engine's SQL applies the same
 * rule (workers/src/ingest/native_convert.ts) with the same window.
 */
export function judgeViewTime(ts: unknown, window: ViewTimeWindow): ViewTimeJudgement {
  if (typeof ts !== "number") return { ok: false, reason: "product view without a numeric data.timestamp_unixtime_ms" };
  if (!Number.isFinite(ts)) {
    return { ok: false, reason: "product view time data.timestamp_unixtime_ms is beyond the range of numbers" };
  }
  if (ts >= window.fromMs && ts < window.toMs) return { ok: true, timestampMs: ts };
  // Date holds ±8.64e15 ms: say where the view would have landed, when it can.
  const at = Math.abs(ts) <= 8.64e15 ? ` (${new Date(ts).toISOString()})` : "";
  return {
    ok: false,
    reason: `view time ${ts} ms${at} is outside ${window.firstDay}..${window.lastDay} of folder ${window.day}`,
  };
}

/** U+FFFD, what a UTF-8 decoder puts in place of bytes that are not UTF-8 (and of a lone surrogate). */
export const REPLACEMENT_CHARACTER = "\uFFFD";

/**
 * Why a product id is no text to store, or undefined when it is: a lone UTF-16 surrogate (a mobile
 * SDK cutting a string inside an emoji; JSON allows the escape) or U+FFFD, which is what bytes that
 * are not UTF-8 read as, so a genuine U+FFFD cannot be told from them (the orders CSV refuses it too).
 * Stored, such an id would be a product no purchase can match.
 */
export function productTextFault(product: string): string | undefined {
  const lone = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(product);
  if (lone) return "product view whose data.custom_attributes.codeColor holds a lone UTF-16 surrogate (a cut emoji)";
  if (product.includes(REPLACEMENT_CHARACTER)) {
    return "product view whose data.custom_attributes.codeColor is not valid UTF-8 (an undecodable byte, read as U+FFFD)";
  }
  return undefined;
}

/**
 * Classifies one event of a `window.day` folder under the contract: a product view is a
 * `custom_event` named `product` with a non-empty string `codeColor`; everything else is ignored.
 * A product view whose time judgeViewTime refuses, or whose product is no text (productTextFault),
 * is malformed: skipped, counted and reported.
 */
export function classifyEvent(event: Event, window: ViewTimeWindow): EventVerdict {
  const data = event.data;
  const product = data?.custom_attributes?.codeColor;
  if (event.event_type !== "custom_event" || data?.event_name !== "product") return { kind: "ignored" };
  if (typeof product !== "string" || product === "") return { kind: "ignored" };
  const fault = productTextFault(product);
  if (fault !== undefined) return { kind: "malformed", reason: fault };
  const time = judgeViewTime(data.timestamp_unixtime_ms, window);
  if (!time.ok) return { kind: "malformed", reason: time.reason };
  return { kind: "view", view: { timestampMs: time.timestampMs, product } };
}

/**
 * Where a skipped record was found: the file, and the 1-based line (NDJSON) or batch index (JSON),
 * and for a refused view its 1-based event in that batch.
 */
export interface MalformedRecord {
  file: string;
  /** `line N` for NDJSON, `batch N` for a JSON array or a single batch; `line N, event K` for a view. */
  position: string;
  reason: string;
}
