import { type Server, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { HttpError } from "./http_error.ts";

/**
 * Largest request line plus headers accepted, in bytes: Node's default, set explicitly so the limit
 * the messages name cannot drift with `--max-http-header-size`. Default 16 KiB.
 */
export const MAX_HEADER_BYTES = 16 * 1024;

const KIB = MAX_HEADER_BYTES / 1024;

/**
 * What a request Node refused before the app saw it gets. Node's own answers are bare (`431` with
 * no body); these carry the API's JSON error. An overflow whose request line alone is over the limit
 * (a long query string) is a 414; otherwise the headers are to blame (431).
 */
export function clientErrorOf(error: NodeJS.ErrnoException & { rawPacket?: Buffer }): HttpError {
  switch (error.code) {
    case "HPE_HEADER_OVERFLOW": {
      // The packet being parsed when the limit was hit; when it starts the request, its first line tells.
      const head = error.rawPacket?.toString("latin1", 0, MAX_HEADER_BYTES + 2) ?? "";
      const startsRequest = /^[A-Z]+ \S/.test(head);
      const lineEnd = head.indexOf("\r\n");
      if (startsRequest && (lineEnd === -1 || lineEnd > MAX_HEADER_BYTES)) {
        return new HttpError(
          "uri_too_long",
          `the request line is over ${KIB} KiB: shorten the query string, or send the /ctr fields as a JSON body with POST /ctr`,
          "url",
        );
      }
      return new HttpError("headers_too_large", `the request line and headers are over ${KIB} KiB together`, "headers");
    }
    case "HPE_CHUNK_EXTENSIONS_OVERFLOW":
      return new HttpError("payload_too_large", "the chunk extensions of the body are too large", "body");
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return new HttpError("request_timeout", "the request did not arrive in time");
    default:
      return new HttpError("invalid_request", "the request is not valid HTTP/1.1", "request");
  }
}

/** The raw HTTP response of an error answered on the socket: JSON body, connection closed. */
export function rawErrorResponse(error: HttpError): string {
  const body = JSON.stringify(error.toBody());
  return [
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? "Error"}`,
    "Content-Type: application/json; charset=UTF-8",
    `Content-Length: ${Buffer.byteLength(body)}`,
    "X-Content-Type-Options: nosniff",
    "Connection: close",
    "",
    body,
  ].join("\r\n");
}

/** How long a refused connection may go on sending before it is cut. Default 5 s. */
const LINGER_MS = 5_000;

/**
 * Answers the requests Node's parser refuses (too long, malformed, too slow) with the API's JSON
 * error instead of Node's bare status line.
 */
export function answerClientErrors(server: Server): void {
  const answered = new WeakSet<Duplex>();
  server.on("clientError", (error: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Duplex) => {
    if (error.code === "ECONNRESET" || !socket.writable) {
      if (!answered.has(socket)) socket.destroy();
      return;
    }
    // The rest of an oversized request may raise the error again: one answer per connection.
    if (answered.has(socket)) return;
    answered.add(socket);
    // Closing at once while the client is still sending would reset the connection (RST) before it
    // reads the answer: end our side, let the rest of the request drain, then cut it.
    socket.end(rawErrorResponse(clientErrorOf(error)));
    socket.resume();
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  });
}
