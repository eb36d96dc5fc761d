import { describe, expect, it } from "vitest";
import { negotiateFormat } from "./response_format.ts";

describe("negotiateFormat", () => {
  it("defaults to the JSON array", () => {
    expect(negotiateFormat(undefined)).toBe("json");
    expect(negotiateFormat("")).toBe("json");
    expect(negotiateFormat("*/*")).toBe("json");
    expect(negotiateFormat("text/html")).toBe("json");
    expect(negotiateFormat("text/html,application/xhtml+xml,*/*;q=0.8")).toBe("json");
  });

  it("picks NDJSON and CSV by media type, parameters and case aside", () => {
    expect(negotiateFormat("application/x-ndjson")).toBe("ndjson");
    expect(negotiateFormat("Application/X-NDJSON; charset=utf-8")).toBe("ndjson");
    expect(negotiateFormat("text/csv")).toBe("csv");
    expect(negotiateFormat("text/csv;header=present")).toBe("csv");
  });

  it("picks the Arrow IPC stream by its media type only", () => {
    expect(negotiateFormat("application/vnd.apache.arrow.stream")).toBe("arrow");
    expect(negotiateFormat("application/json;q=0.5, application/vnd.apache.arrow.stream")).toBe("arrow");
    // The Arrow file format (random access) is another thing: not served.
    expect(negotiateFormat("application/vnd.apache.arrow.file")).toBe("json");
  });

  it("follows q values, and prefers an exact type over a wildcard of the same q", () => {
    expect(negotiateFormat("application/json;q=0.5, text/csv")).toBe("csv");
    expect(negotiateFormat("text/csv;q=0.2, application/x-ndjson;q=0.9")).toBe("ndjson");
    expect(negotiateFormat("*/*, text/csv")).toBe("csv");
    expect(negotiateFormat("text/csv;q=0, application/json")).toBe("json");
  });
});
