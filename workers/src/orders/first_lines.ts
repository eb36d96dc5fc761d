/** Shards of the id map, one per last two digits: V8 caps one Map at 2^24 (16.7 M) entries. */
const SHARDS = 100;

/**
 * The line of the first row of each id in one CSV file, to name it when the id comes again. It costs
 * about 70 bytes a row while the file loads (an id's digits and its line): 100 MB for 1.5 M rows.
 */
export class FirstLines {
  readonly #shards = Array.from({ length: SHARDS }, () => new Map<string, number>());

  /** The line that first had `id` (digits); undefined when none did, and `line` is remembered as it. */
  claim(id: string, line: number): number | undefined {
    const digit = (back: number) => (id.length >= back ? id.charCodeAt(id.length - back) - 48 : 0);
    const shard = this.#shards[(digit(1) * 10 + digit(2)) % SHARDS] as Map<string, number>;
    const first = shard.get(id);
    if (first === undefined) shard.set(id, line);
    return first;
  }
}
