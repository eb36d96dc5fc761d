import {
  type BatchParts,
  CUSTOM_EVENTS,
  type EventKind,
  type EventParts,
  type Id64,
  type Timestamp,
} from "./batch_parts.ts";
import { type EventText, type TextStyle, writeEventText } from "./batch_text.ts";

/**
 * Encodes batches straight into a byte buffer: static JSON pieces are copied from prepared buffers and
 * numbers are written digit by digit. Building hundreds of MB as JS strings spent most of the time
 * concatenating, flattening and garbage-collecting them; this keeps the generator above 50 MB/s.
 *
 * The static pieces are cut out of the reference renderer's output (batch_text.ts) around
 * placeholder characters, so both always write the same text (batch_bytes.test.ts checks it).
 */

/** Placeholders for the variable parts of an event: characters that never occur in the templates. */
const SLOTS = { "①": 1, "②": 2, "③": 3, "④": 4 } as const;
type Slot = (typeof SLOTS)[keyof typeof SLOTS];
type Segment = Uint8Array | Slot;

const DIGIT_0 = 48;
const DOT = 46;

/** Upper bound of one event's bytes beyond its value (the longest template plus its numbers). */
const EVENT_BYTES_BOUND = 600;

export class BatchEncoder {
  private readonly events: Record<EventKind, Segment[]>;
  private readonly open: Uint8Array;
  private readonly between: Uint8Array;
  private readonly mpid: Uint8Array;
  private readonly time: Uint8Array;
  private readonly close: Uint8Array;

  constructor(style: TextStyle) {
    const { nl, colon: c } = style;
    const placeholder = { timestamp: "①", eventId: "②", sessionId: "③" };
    const template = (e: EventText) => cut(writeEventText(style, e));
    const custom = (kind: Exclude<EventKind, "screen_view">) => {
      const [customEventType, eventName, key] = CUSTOM_EVENTS[kind];
      const attributes: [string, string][] = key ? [[key, "④"]] : [];
      return template({ type: "custom_event", customEventType, eventName, ...placeholder, attributes });
    };
    this.events = {
      product: custom("product"),
      category: custom("category"),
      search: custom("search"),
      no_attributes: custom("no_attributes"),
      screen_view: template({ type: "screen_view", screenName: "④", ...placeholder }),
    };
    const bytes = (text: string) => Buffer.from(text, "latin1");
    this.open = bytes(`{${nl[1]}"events"${c}[${nl[2]}`);
    this.between = bytes(`,${nl[2]}`);
    this.mpid = bytes(`${nl[1]}],${nl[1]}"mpid"${c}`);
    this.time = bytes(`,${nl[1]}"timestamp_unixtime_ms"${c}`);
    this.close = bytes(`${nl[0]}}`);
  }

  /** The most bytes `encode` can write for this batch. */
  maxBytes(batch: BatchParts): number {
    let n = 256;
    for (const e of batch.events) n += EVENT_BYTES_BOUND + e.value.length;
    return n;
  }

  /** Writes the batch at `pos` and returns the position after it. */
  encode(batch: BatchParts, out: Uint8Array, pos: number): number {
    pos = copy(out, pos, this.open);
    for (let i = 0; i < batch.events.length; i++) {
      if (i > 0) pos = copy(out, pos, this.between);
      pos = this.encodeEvent(batch.events[i] as EventParts, out, pos);
    }
    pos = writeId64(out, copy(out, pos, this.mpid), batch.mpid);
    pos = writeTimestamp(out, copy(out, pos, this.time), batch.time);
    return copy(out, pos, this.close);
  }

  private encodeEvent(e: EventParts, out: Uint8Array, pos: number): number {
    for (const segment of this.events[e.kind]) {
      if (segment === 1) pos = writeTimestamp(out, pos, e.time);
      else if (segment === 2) pos = writeId64(out, pos, e.eventId);
      else if (segment === 3) pos = writeId64(out, pos, e.sessionId);
      else pos = copy(out, pos, segment === 4 ? e.value : segment);
    }
    return pos;
  }
}

/** Splits a template at its placeholders into static byte pieces and slots. */
function cut(text: string): Segment[] {
  const segments: Segment[] = [];
  for (const piece of text.split(/([①②③④])/)) {
    if (piece in SLOTS) segments.push(SLOTS[piece as keyof typeof SLOTS]);
    else if (piece !== "") segments.push(Buffer.from(piece, "latin1"));
  }
  return segments;
}

/** Copies bytes and returns the position after them. */
function copy(out: Uint8Array, pos: number, bytes: Uint8Array): number {
  out.set(bytes, pos);
  return pos + bytes.length;
}

function writeId64(out: Uint8Array, pos: number, id: Id64): number {
  out[pos] = DIGIT_0 + id.lead;
  writePadded(out, pos + 1, id.high, 9);
  writePadded(out, pos + 10, id.low, 9);
  return pos + 19;
}

function writeTimestamp(out: Uint8Array, pos: number, t: Timestamp): number {
  // Split so that each half is a small integer: exact, and cheap to divide.
  const millions = Math.floor(t.ms / 1_000_000);
  pos = writeUnpadded(out, pos, millions);
  writePadded(out, pos, t.ms - millions * 1_000_000, 6);
  pos += 6;
  if (t.fractionDigits === 0) return pos;
  out[pos] = DOT;
  writePadded(out, pos + 1, t.fraction, t.fractionDigits);
  return pos + 1 + t.fractionDigits;
}

/** Writes a non-negative integer below 2^31 as exactly `width` digits, zero-padded. */
function writePadded(out: Uint8Array, pos: number, n: number, width: number): void {
  for (let i = pos + width - 1; i >= pos; i--) {
    out[i] = DIGIT_0 + (n % 10);
    n = (n / 10) | 0;
  }
}

function writeUnpadded(out: Uint8Array, pos: number, n: number): number {
  let width = 1;
  for (let x = n; x >= 10; x = (x / 10) | 0) width++;
  writePadded(out, pos, n, width);
  return pos + width;
}
