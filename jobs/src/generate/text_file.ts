import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { rename, rm, stat } from "node:fs/promises";
import type { Writable } from "node:stream";
import { finished, pipeline } from "node:stream/promises";
import { constants, createGzip } from "node:zlib";

/** Text is handed to the stream in chunks of this many bytes: few writes, bounded memory. */
const CHUNK_BYTES = 1 << 20;
/** The most bytes one UTF-16 code unit can take in UTF-8. */
const MAX_UTF8_BYTES_PER_UNIT = 3;

/** What a finished file holds. */
export interface WrittenFile {
  path: string;
  /** Bytes on disk (compressed for gzip). */
  bytes: number;
  /** Bytes of text before compression. */
  textBytes: number;
}

/**
 * Streams text into a file in large chunks, with backpressure, optionally gzipped. The file appears
 * under its final name only when complete (written as `<name>.tmp`, then renamed), so a reader never
 * sees half a file.
 */
export class TextFileWriter {
  private readonly sink: Writable;
  private readonly done: Promise<void>;
  private readonly tmpPath: string;
  private chunk: Buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  private readonly spare: Buffer[] = [];
  private used = 0;
  private textBytes = 0;

  /**
   * @param gzip compress the file (level 1). Default false.
   * @param encoding `latin1` for text known to be ASCII: it encodes several times faster than `utf8`
   *   and gives the same bytes for ASCII. Default `utf8`.
   */
  constructor(
    readonly path: string,
    gzip = false,
    private readonly encoding: "utf8" | "latin1" = "utf8",
  ) {
    this.tmpPath = `${path}.tmp`;
    const file = createWriteStream(this.tmpPath);
    if (gzip) {
      // Level 1: the generator must write 50+ MB/s, and gzip's default level is several times slower.
      const zip = createGzip({ level: constants.Z_BEST_SPEED });
      this.sink = zip;
      this.done = pipeline(zip, file);
    } else {
      this.sink = file;
      this.done = finished(file);
    }
    // Failures surface through write/close; this keeps an early one from being unhandled meanwhile.
    this.done.catch(() => {});
  }

  /**
   * Appends text; resolves at once unless a full chunk had to wait for the disk. Encoding each piece
   * into a chunk buffer costs far less than concatenating megabytes of small strings, which V8 must
   * flatten again before writing.
   */
  async write(text: string): Promise<void> {
    const worstCase = text.length * (this.encoding === "utf8" ? MAX_UTF8_BYTES_PER_UNIT : 1);
    if (this.used + worstCase > CHUNK_BYTES) {
      await this.flush();
      if (worstCase > CHUNK_BYTES) return this.send(Buffer.from(text, this.encoding));
    }
    this.used += this.chunk.write(text, this.used, this.encoding);
  }

  /**
   * Lets `fill` write up to `maxBytes` bytes straight into the chunk at `pos`; it returns the position
   * after what it wrote. For writers that encode bytes themselves instead of building strings.
   */
  async writeBytes(maxBytes: number, fill: (chunk: Buffer, pos: number) => number): Promise<void> {
    if (this.used + maxBytes > CHUNK_BYTES) {
      await this.flush();
      if (maxBytes > CHUNK_BYTES) throw new RangeError(`cannot write ${maxBytes} bytes at once`);
    }
    this.used = fill(this.chunk, this.used);
  }

  /** Finishes the file and moves it to its final name. */
  async close(): Promise<WrittenFile> {
    await this.flush();
    this.sink.end();
    await this.done;
    await rename(this.tmpPath, this.path);
    return { path: this.path, bytes: (await stat(this.path)).size, textBytes: this.textBytes };
  }

  /** Drops a file that failed half-way. */
  async abort(): Promise<void> {
    this.sink.destroy();
    await this.done.catch(() => {});
    await rm(this.tmpPath, { force: true });
  }

  private async flush(): Promise<void> {
    if (this.used === 0) return;
    const full = this.chunk;
    const used = this.used;
    // The stream keeps the chunk until it is written; then it comes back for reuse. Allocating a
    // fresh megabyte per flush made the garbage collector a large part of the run time.
    this.chunk = this.spare.pop() ?? Buffer.allocUnsafe(CHUNK_BYTES);
    this.used = 0;
    await this.send(full.subarray(0, used), () => this.spare.push(full));
  }

  private async send(bytes: Buffer, written?: () => void): Promise<void> {
    this.textBytes += bytes.length;
    const ok = this.sink.write(bytes, (error) => {
      if (!error) written?.();
    });
    if (!ok) await once(this.sink, "drain");
  }
}
