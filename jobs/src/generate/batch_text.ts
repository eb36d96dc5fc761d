/**
 * Writes batches as JSON text straight from their parts. The generator writes hundreds of MB, so it
 * fills templates instead of building objects for JSON.stringify; and 64-bit ids and fractional
 * timestamps arrive as digit strings and go out as bare JSON numbers, never through a JS number
 * (which would round ids above 2^53).
 *
 * The output equals `JSON.stringify(batch)` (compact) or `JSON.stringify(batch, null, 2)` indented
 * by `level` (pretty), which json_text.test.ts checks. Strings are written unescaped: every string
 * here is a product code or a fixed name without quotes or backslashes.
 */

/** Indentation of one layout: `nl[d]` opens a line at depth d, `colon` follows keys. */
export interface TextStyle {
  readonly nl: readonly string[];
  readonly colon: string;
}

/** A style: compact, or pretty with two-space indents starting at `level` (1 inside an array). */
export function textStyle(pretty: boolean, level = 0): TextStyle {
  return {
    nl: Array.from({ length: 8 }, (_, d) => (pretty ? `\n${"  ".repeat(level + d)}` : "")),
    colon: pretty ? ": " : ":",
  };
}

/** One event of a batch; numbers are digit strings written verbatim. */
export type EventText =
  | {
      type: "custom_event";
      customEventType: string;
      eventName: string;
      timestamp: string;
      eventId: string;
      sessionId: string;
      /** The custom_attributes, all string-valued. */
      attributes: readonly (readonly [string, string])[];
    }
  | { type: "screen_view"; screenName: string; timestamp: string; eventId: string; sessionId: string };

/** A batch as JSON text: `{"events":[...],"mpid":...,"timestamp_unixtime_ms":...}`. */
export function writeBatchText(
  style: TextStyle,
  events: readonly EventText[],
  mpid: string,
  timestamp: string,
): string {
  const { nl, colon: c } = style;
  let text = `{${nl[1]}"events"${c}[`;
  for (let i = 0; i < events.length; i++) {
    text += `${i > 0 ? "," : ""}${nl[2]}${writeEventText(style, events[i] as EventText)}`;
  }
  return `${text}${nl[1]}],${nl[1]}"mpid"${c}${mpid},${nl[1]}"timestamp_unixtime_ms"${c}${timestamp}${nl[0]}}`;
}

/** One event at depth 2 (inside a batch's events array). */
export function writeEventText(style: TextStyle, e: EventText): string {
  const { nl, colon: c } = style;
  const ids = `"timestamp_unixtime_ms"${c}${e.timestamp},${nl[4]}"event_id"${c}${e.eventId},${nl[4]}"session_id"${c}${e.sessionId}`;
  if (e.type === "screen_view") {
    return `{${nl[3]}"data"${c}{${nl[4]}"screen_name"${c}"${e.screenName}",${nl[4]}${ids}${nl[3]}},${nl[3]}"event_type"${c}"screen_view"${nl[2]}}`;
  }
  let attributes = "{}";
  if (e.attributes.length > 0) {
    attributes = `{${e.attributes.map(([k, v]) => `${nl[5]}"${k}"${c}"${v}"`).join(",")}${nl[4]}}`;
  }
  return `{${nl[3]}"data"${c}{${nl[4]}"custom_event_type"${c}"${e.customEventType}",${nl[4]}"event_name"${c}"${e.eventName}",${nl[4]}${ids},${nl[4]}"custom_attributes"${c}${attributes}${nl[3]}},${nl[3]}"event_type"${c}"custom_event"${nl[2]}}`;
}
