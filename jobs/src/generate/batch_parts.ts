import type { EventText } from "./batch_text.ts";

/**
 * A 64-bit id as its decimal digits: one leading digit, then two zero-padded groups of nine. The
 * generator never holds it as a JS number (which would round anything above 2^53).
 */
export interface Id64 {
  lead: number;
  high: number;
  low: number;
}

/** Epoch milliseconds with an optional decimal fraction (`fractionDigits` 0: a whole number). */
export interface Timestamp {
  ms: number;
  fraction: number;
  fractionDigits: number;
}

/** Event kinds of the generator; only `product` with a non-empty value is a product view. */
export type EventKind = "product" | "category" | "search" | "no_attributes" | "screen_view";

export interface EventParts {
  kind: EventKind;
  time: Timestamp;
  eventId: Id64;
  sessionId: Id64;
  /** codeColor, category, query or screen name, as ASCII bytes (empty for `no_attributes`). */
  value: Uint8Array;
}

export interface BatchParts {
  events: EventParts[];
  mpid: Id64;
  time: Timestamp;
}

/** The custom_event_type, event_name and attribute key of each custom-event kind. */
export const CUSTOM_EVENTS: Record<Exclude<EventKind, "screen_view">, [string, string, string | undefined]> = {
  product: ["navigation", "product", "codeColor"],
  category: ["navigation", "category", "category"],
  search: ["search", "search", "query"],
  no_attributes: ["navigation", "product", undefined],
};

export function formatId64(id: Id64): string {
  return `${id.lead}${String(id.high).padStart(9, "0")}${String(id.low).padStart(9, "0")}`;
}

export function formatTimestamp(t: Timestamp): string {
  return t.fractionDigits === 0 ? String(t.ms) : `${t.ms}.${String(t.fraction).padStart(t.fractionDigits, "0")}`;
}

/** The event as text fields, for the reference renderer (batch_text.ts). */
export function eventText(e: EventParts): EventText {
  const common = {
    timestamp: formatTimestamp(e.time),
    eventId: formatId64(e.eventId),
    sessionId: formatId64(e.sessionId),
  };
  const value = Buffer.from(e.value).toString("latin1");
  if (e.kind === "screen_view") return { type: "screen_view", screenName: value, ...common };
  const [customEventType, eventName, key] = CUSTOM_EVENTS[e.kind];
  return { type: "custom_event", customEventType, eventName, ...common, attributes: key ? [[key, value]] : [] };
}
