import { Readable } from "node:stream";
import type { Store } from "@ctr/schemas";

/**
 * Runs a /ctr statement as an Arrow IPC stream (`FORMAT ArrowStream`) and passes ClickHouse's bytes
 * through untouched. @clickhouse/client's `query` refuses formats it cannot parse, so this takes its
 * raw `exec`, which both a server and chDB's connection serve. The statement carries its SETTINGS
 * (ARROW_OUTPUT_SETTINGS among them); FORMAT goes after them, where ClickHouse wants it.
 * Resolves once ClickHouse has answered (errors before the first byte still become error responses).
 */
export async function streamArrowBody(
  store: Store,
  statement: string,
  params: Record<string, unknown>,
  signal: AbortSignal,
): Promise<ReadableStream<Uint8Array>> {
  const { stream } = await store.client.exec({
    query: `${statement}\nFORMAT ArrowStream`,
    query_params: params,
    abort_signal: signal,
  });
  // Cancelling the web stream destroys the response stream, which ends the query on a server.
  return Readable.toWeb(stream) as ReadableStream<Uint8Array>;
}
