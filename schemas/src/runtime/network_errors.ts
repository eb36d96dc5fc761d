// Node's socket error codes (and undici's) that mean the server was not there to answer: down,
// restarting, unreachable or cut off; as opposed to a server that answered with an error.
const UNREACHABLE_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ETIMEDOUT",
  "EPIPE",
  "UND_ERR_SOCKET",
]);

/** True when the error itself (not its causes) says the server could not be reached. */
export function isUnreachableError(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code !== undefined && UNREACHABLE_CODES.has(code);
}
