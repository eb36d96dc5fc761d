import { getDataGeneration, type Store } from "@ctr/schemas";

/** How long a read of the stored generation is trusted: other processes' changes show after at most this. Default 1 s. */
export const GENERATION_REREAD_MS = 1_000;

export interface GenerationClockOptions {
  /** Default GENERATION_REREAD_MS. */
  rereadMs?: number;
  /** The clock, in ms; default `performance.now`. */
  now?: () => number;
}

/**
 * The data's generation as this process knows it, for keying cached answers: the generation stored
 * in ClickHouse (every process's commits and purchase syncs), read again when the last read is older
 * than `rereadMs` or this process changed the data itself (`store.changes`, counted as each change
 * is recorded). The local count is part of the key too, so a change whose record failed still
 * counts here. Concurrent requests share one read; a read never takes the generation back (a replica
 * behind a load balancer may lag the one read before).
 */
export class GenerationClock {
  readonly #store: Store;
  readonly #rereadMs: number;
  readonly #now: () => number;
  #stored = 0;
  #localSeen = -1;
  #readAt = Number.NEGATIVE_INFINITY;
  #reading: Promise<void> | undefined;

  constructor(
    store: Store,
    { rereadMs = GENERATION_REREAD_MS, now = () => performance.now() }: GenerationClockOptions = {},
  ) {
    this.#store = store;
    this.#rereadMs = rereadMs;
    this.#now = now;
  }

  /** The current generation as a key: `<stored>.<local>`. Throws StoreError when ClickHouse cannot be read. */
  async current(): Promise<string> {
    const local = this.#store.changes.local;
    if (local !== this.#localSeen || this.#now() - this.#readAt >= this.#rereadMs) await this.#reread(local);
    return `${this.#stored}.${local}`;
  }

  #reread(local: number): Promise<void> {
    this.#reading ??= this.#read(local).finally(() => {
      this.#reading = undefined;
    });
    return this.#reading;
  }

  async #read(local: number): Promise<void> {
    // What a read vouches for is the moment it started: a change after that may be missing from it.
    const startedAt = this.#now();
    const stored = await getDataGeneration(this.#store.client);
    this.#stored = Math.max(this.#stored, stored);
    this.#readAt = startedAt;
    this.#localSeen = local;
  }
}
