import { describe, expect, it } from "vitest";
import { clientErrorOf, MAX_HEADER_BYTES, rawErrorResponse } from "./client_error.ts";

const overflow = (packet: string) =>
  Object.assign(new Error("Parse Error: Header overflow"), {
    code: "HPE_HEADER_OVERFLOW",
    rawPacket: Buffer.from(packet, "latin1"),
  });

describe("clientErrorOf", () => {
  it("blames the request line (414) when it alone is over the limit", () => {
    const line = `GET /ctr?product=${"x".repeat(MAX_HEADER_BYTES)} HTTP/1.1`;
    expect(clientErrorOf(overflow(line)).status).toBe(414);
    expect(clientErrorOf(overflow(`${line}\r\nHost: x\r\n`)).status).toBe(414);
  });

  it("blames the headers (431) when the request line ended in time, or cannot be seen", () => {
    expect(clientErrorOf(overflow(`GET / HTTP/1.1\r\nX-Big: ${"y".repeat(MAX_HEADER_BYTES)}`)).status).toBe(431);
    expect(clientErrorOf(overflow("yyyyyyyy")).status).toBe(431);
    expect(clientErrorOf(Object.assign(new Error("overflow"), { code: "HPE_HEADER_OVERFLOW" })).status).toBe(431);
  });

  it("answers other parse errors with the API's 400, and a slow request with 408", () => {
    expect(clientErrorOf(Object.assign(new Error("x"), { code: "HPE_INVALID_METHOD" })).toBody()).toEqual({
      error: { code: "invalid_request", message: "the request is not valid HTTP/1.1", field: "request" },
    });
    expect(clientErrorOf(Object.assign(new Error("x"), { code: "ERR_HTTP_REQUEST_TIMEOUT" })).status).toBe(408);
  });
});

describe("rawErrorResponse", () => {
  it("is a complete HTTP response with the JSON error body and its byte length", () => {
    const response = rawErrorResponse(clientErrorOf(overflow("GET / HTTP/1.1\r\nX: é")));
    const [head, body = ""] = response.split("\r\n\r\n");
    expect(head).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    expect(head).toContain(`Content-Length: ${Buffer.byteLength(body)}`);
    expect(head).toContain("Connection: close");
    expect(JSON.parse(body)).toMatchObject({ error: { code: "headers_too_large" } });
  });
});
