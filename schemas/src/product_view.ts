import { z } from "zod";

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

/**
 * Classifies one event under the contract: a product view is a `custom_event` named `product`
 * with a non-empty string `codeColor`; everything else is ignored. A product view whose
 * timestamp is not a finite number cannot be placed in time, so it is malformed.
 */
export function classifyEvent(event: Event): EventVerdict {
  const data = event.data;
  const product = data?.custom_attributes?.codeColor;
  if (event.event_type !== "custom_event" || data?.event_name !== "product") return { kind: "ignored" };
  if (typeof product !== "string" || product === "") return { kind: "ignored" };
  const ts = data.timestamp_unixtime_ms;
  if (typeof ts !== "number" || !Number.isFinite(ts)) {
    return { kind: "malformed", reason: "product view without a numeric data.timestamp_unixtime_ms" };
  }
  return { kind: "view", view: { timestampMs: ts, product } };
}

/** Where a skipped record was found: the file, and the 1-based line (NDJSON) or batch index (JSON). */
export interface MalformedRecord {
  file: string;
  /** `line N` for NDJSON, `batch N` for a JSON array or a single batch. */
  position: string;
  reason: string;
}
