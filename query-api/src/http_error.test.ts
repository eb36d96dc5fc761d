import { StoreError } from "@ctr/schemas";
import { describe, expect, it } from "vitest";
import { HttpError, isStoreUnreachable, toHttpError } from "./http_error.ts";

const socketError = (code: string) => Object.assign(new Error(`connect ${code}`), { code });

describe("toHttpError", () => {
  it("maps an unreachable ClickHouse, however wrapped, to 503", () => {
    const wrapped = new StoreError("ctr_rows", {
      cause: new Error("request failed", { cause: socketError("ECONNREFUSED") }),
    });
    expect(isStoreUnreachable(wrapped)).toBe(true);
    expect(toHttpError(wrapped).status).toBe(503);
    expect(toHttpError(new StoreError("ping", { cause: new Error("Timeout error.") })).status).toBe(503);
  });

  it("maps a query that ClickHouse stopped for time to 504", () => {
    const timeout = Object.assign(new Error("Timeout exceeded"), { code: "159", type: "TIMEOUT_EXCEEDED" });
    expect(toHttpError(new StoreError("ctr_rows", { cause: timeout })).status).toBe(504);
  });

  it("maps a failed query to a 500 that says nothing internal", () => {
    const failed = Object.assign(new Error("Table ctr.x does not exist"), { code: "60", type: "UNKNOWN_TABLE" });
    const error = toHttpError(new StoreError("ctr_rows", { cause: failed }));
    expect(error.status).toBe(500);
    expect(error.toBody()).toEqual({ error: { code: "internal_error", message: "internal error" } });
  });

  it("keeps an HttpError, field included", () => {
    const error = new HttpError("invalid_request", "aggregation must be ...", "aggregation");
    expect(toHttpError(error)).toBe(error);
    expect(error.toBody()).toEqual({
      error: { code: "invalid_request", message: "aggregation must be ...", field: "aggregation" },
    });
  });
});
