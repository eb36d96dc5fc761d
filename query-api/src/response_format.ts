/** The /ctr body formats, by the media type a client asks for in `Accept`. */
export const RESPONSE_FORMATS = {
  json: { mediaType: "application/json", contentType: "application/json; charset=utf-8", clickhouse: "JSONEachRow" },
  ndjson: {
    mediaType: "application/x-ndjson",
    contentType: "application/x-ndjson; charset=utf-8",
    clickhouse: "JSONEachRow",
  },
  csv: { mediaType: "text/csv", contentType: "text/csv; charset=utf-8; header=present", clickhouse: "CSVWithNames" },
  // Arrow IPC stream, rendered by ClickHouse itself (ctr_body.ts).
  arrow: {
    mediaType: "application/vnd.apache.arrow.stream",
    contentType: "application/vnd.apache.arrow.stream",
    clickhouse: "ArrowStream",
  },
} as const;

export type ResponseFormat = keyof typeof RESPONSE_FORMATS;

// Wildcards and aliases that name one of the formats.
const BY_MEDIA_TYPE: Record<string, ResponseFormat> = {
  "*/*": "json",
  "application/*": "json",
  "application/json": "json",
  "application/x-ndjson": "ndjson",
  "application/ndjson": "ndjson",
  "application/jsonl": "ndjson",
  "text/*": "csv",
  "text/csv": "csv",
  "application/vnd.apache.arrow.stream": "arrow",
};

/**
 * Picks the body format from an `Accept` header: the supported media type with the highest q
 * (the earliest on ties; exact types win over wildcards of the same q). No header, or nothing
 * supported in it, gives the JSON array, the contract's default.
 */
export function negotiateFormat(accept: string | undefined): ResponseFormat {
  if (!accept) return "json";
  let best: { format: ResponseFormat; q: number; exact: boolean } | undefined;
  for (const part of accept.split(",")) {
    const [type = "", ...parameters] = part.split(";").map((s) => s.trim().toLowerCase());
    const format = BY_MEDIA_TYPE[type];
    if (!format) continue;
    const qParam = parameters.find((p) => p.startsWith("q="));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!Number.isFinite(q) || q <= 0) continue;
    const exact = !type.includes("*");
    if (!best || q > best.q || (q === best.q && exact && !best.exact)) best = { format, q, exact };
  }
  return best?.format ?? "json";
}
