import type { CtrRequest, CtrTopRequest } from "@ctr/schemas";
import { LRUCache } from "lru-cache";
import type { GenerationClock } from "./data_generation.ts";
import type { ApiMetrics } from "./metrics.ts";
import type { ResponseFormat } from "./response_format.ts";

/** A validated request of a route the cache answers: a range, and fields that are numbers or text. */
type AnswerRequest = CtrRequest | CtrTopRequest;

/** One answer kept whole: the body's bytes as sent, and its data rows (for the rows-sent metric). */
interface CachedAnswer {
  body: Uint8Array<ArrayBuffer>;
  rows: number;
}

/** The largest answer kept, as a share of the whole cache: a few large answers do not evict all the rest. */
export const MAX_ENTRY_SHARE = 1 / 8;

// What an entry costs beyond its body and key: the LRU's bookkeeping and the object, roughly.
const ENTRY_OVERHEAD_BYTES = 200;

/** Renders an answer: its body as a stream; `onRows` is called with the data rows of each part sent. */
export type RenderAnswer = (onRows: (count: number) => void) => Promise<ReadableStream<Uint8Array>>;

export interface ResultCacheOptions {
  /** Bytes the cache may hold (RESULT_CACHE_MB); 0 turns it off. */
  maxBytes: number;
  generation: GenerationClock;
  metrics: ApiMetrics;
}

/**
 * The key of an answer: the route, its validated request (so GET and POST, `ios` and `iOS`, `60`
 * and 60 share it: the schema's output, whose fields come in the schema's order) and the body
 * format. The generation is not in it: the cache holds one generation at a time.
 */
export function answerKey(format: ResponseFormat, route: string, request: AnswerRequest): string {
  return JSON.stringify([format, route, request]);
}

/**
 * The answers of /ctr, /ctr/totals and /ctr/top of the data's current generation, least recently
 * used dropped first past `maxBytes`. A miss streams to the client as before and keeps a copy only if the body completes
 * and stays under MAX_ENTRY_SHARE of the cache; errors (thrown before the body, or breaking it) are
 * never kept. When the generation moves on (a commit or purchase sync here, or seen in ClickHouse),
 * every entry goes, and answers still being rendered from the older one are not kept.
 */
export class ResultCache {
  readonly #entries: LRUCache<string, CachedAnswer> | undefined;
  readonly #maxEntryBytes: number;
  readonly #generation: GenerationClock;
  readonly #metrics: ApiMetrics;
  #current: string | undefined;

  constructor({ maxBytes, generation, metrics }: ResultCacheOptions) {
    this.#generation = generation;
    this.#metrics = metrics;
    this.#maxEntryBytes = Math.floor(maxBytes * MAX_ENTRY_SHARE);
    this.#entries =
      maxBytes > 0
        ? new LRUCache<string, CachedAnswer>({
            maxSize: maxBytes,
            maxEntrySize: this.#maxEntryBytes,
            sizeCalculation: (answer, key) => answer.body.byteLength + key.length * 2 + ENTRY_OVERHEAD_BYTES,
            dispose: (_answer, _key, reason) => {
              if (reason === "evict") metrics.resultCacheEvictions.inc();
            },
          })
        : undefined;
  }

  /** The answer to `key`: the kept bytes, or what `render` streams (kept when it qualifies). */
  async serve(key: string, render: RenderAnswer): Promise<ReadableStream<Uint8Array> | Uint8Array<ArrayBuffer>> {
    const metrics = this.#metrics;
    const entries = this.#entries;
    if (!entries) return render((count) => metrics.ctrRows.inc(count));
    const generation = await this.#generation.current();
    if (generation !== this.#current) {
      entries.clear();
      this.#current = generation;
      metrics.resultCacheBytes.set(0);
    }
    const kept = entries.get(key);
    if (kept) {
      metrics.resultCacheHits.inc();
      metrics.ctrRows.inc(kept.rows);
      return kept.body;
    }
    metrics.resultCacheMisses.inc();
    let rows = 0;
    const body = await render((count) => {
      rows += count;
      metrics.ctrRows.inc(count);
    });
    return copyWhole(body, this.#maxEntryBytes, (bytes) => {
      // An answer of an older generation would be served as current: not kept.
      if (this.#current !== generation) return;
      entries.set(key, { body: bytes, rows });
      metrics.resultCacheBytes.set(entries.calculatedSize);
    });
  }
}

/**
 * Passes `body` through, keeping a copy of its bytes while they stay within `limit`, and hands the
 * copy to `keep` once the body ended normally: not when it failed, was cancelled, or grew too large.
 */
function copyWhole(
  body: ReadableStream<Uint8Array>,
  limit: number,
  keep: (bytes: Uint8Array<ArrayBuffer>) => void,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let parts: Uint8Array[] | undefined = [];
  let size = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await reader.read();
      if (next.done) {
        controller.close();
        if (parts) keep(concat(parts, size));
        return;
      }
      size += next.value.byteLength;
      if (size > limit) parts = undefined;
      parts?.push(next.value);
      controller.enqueue(next.value);
    },
    cancel(reason) {
      parts = undefined;
      return reader.cancel(reason);
    },
  });
}

function concat(parts: readonly Uint8Array[], size: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.byteLength;
  }
  return bytes;
}
