import { Readable } from "node:stream";
import type { ClickHouseSettings } from "@clickhouse/client";
import type { Store } from "@ctr/schemas";

/**
 * Runs a /ctr statement as an Arrow IPC stream (`FORMAT ArrowStream`) and passes ClickHouse's bytes
 * through untouched. @clickhouse/client's `query` refuses formats it cannot parse, so this takes its
 * raw `exec`, which both a server and chDB's connection serve. The statement carries its SETTINGS
 * (the Arrow output settings among them); FORMAT goes after them, where ClickHouse wants it. A server
 * also gets `httpSettings` as HTTP parameters, as ctr_body.ts's text formats do (ClickHouse issue 39712).
 * Resolves once ClickHouse has answered (errors before the first byte still become error responses).
 */
export async function streamArrowBody(
  store: Store,
  statement: string,
  params: Record<string, unknown>,
  signal: AbortSignal,
  httpSettings?: ClickHouseSettings,
): Promise<ReadableStream<Uint8Array>> {
  const { stream } = await store.client.exec({
    query: `${statement}\nFORMAT ArrowStream`,
    query_params: params,
    abort_signal: signal,
    ...(httpSettings ? { clickhouse_settings: httpSettings } : {}),
  });
  // Cancelling the web stream destroys the response stream, which ends the query on a server.
  return Readable.toWeb(stream) as ReadableStream<Uint8Array>;
}
