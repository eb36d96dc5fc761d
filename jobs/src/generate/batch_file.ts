import { BatchEncoder } from "./batch_bytes.ts";
import type { BatchParts } from "./batch_parts.ts";
import { textStyle } from "./batch_text.ts";
import { TextFileWriter, type WrittenFile } from "./text_file.ts";

/** How a file lays out its batches; the contract's readers must accept every one of them. */
export interface FileShape {
  /** `array`: a JSON array of batches; `lines`: one batch per line (NDJSON); `object`: one batch. */
  layout: "array" | "lines" | "object";
  /** Two-space indents like the sample (only for `array` and `object`). */
  pretty: boolean;
  gzip: boolean;
  extension: ".json" | ".ndjson" | ".jsonl" | ".json.gz" | ".ndjson.gz" | ".jsonl.gz";
}

/**
 * The shapes part files rotate through. Any four consecutive ones mix arrays, NDJSON and gzip, so
 * every platform-day holds several shapes.
 */
export const PART_SHAPES: readonly FileShape[] = [
  { layout: "array", pretty: true, gzip: false, extension: ".json" },
  { layout: "lines", pretty: false, gzip: false, extension: ".ndjson" },
  { layout: "array", pretty: true, gzip: true, extension: ".json.gz" },
  { layout: "lines", pretty: false, gzip: false, extension: ".jsonl" },
  { layout: "array", pretty: false, gzip: false, extension: ".json" },
  { layout: "lines", pretty: false, gzip: true, extension: ".ndjson.gz" },
];

/** A file holding one pretty-printed batch object, as some exporters write. */
export const SINGLE_BATCH_SHAPE: FileShape = { layout: "object", pretty: true, gzip: false, extension: ".json" };

/** Writes batches into one file of a given shape, streaming (see TextFileWriter). */
export class BatchFileWriter {
  private readonly file: TextFileWriter;
  private readonly encoder: BatchEncoder;
  private readonly separator: Buffer;
  private readonly terminator: Buffer;
  private count = 0;

  constructor(
    readonly path: string,
    private readonly shape: FileShape,
  ) {
    // Batch text is ASCII: product codes, digits and fixed names.
    this.file = new TextFileWriter(path, shape.gzip, "latin1");
    // Batches inside an array sit one level deep, as in the sample.
    this.encoder = new BatchEncoder(textStyle(shape.pretty, shape.layout === "array" ? 1 : 0));
    this.separator = Buffer.from(shape.layout === "array" ? (shape.pretty ? ",\n  " : ",") : "");
    this.terminator = Buffer.from(shape.layout === "lines" ? "\n" : "");
  }

  /** Appends one batch; resolves at once unless a full chunk had to wait for the disk. */
  async add(batch: BatchParts): Promise<void> {
    const { layout, pretty } = this.shape;
    if (layout === "object" && this.count > 0) throw new Error(`${this.path}: a single-batch file holds one batch`);
    if (layout === "array" && this.count === 0) await this.file.write(pretty ? "[\n  " : "[");
    const separator = this.count === 0 ? undefined : this.separator;
    this.count++;
    const max = this.encoder.maxBytes(batch) + this.separator.length + this.terminator.length;
    await this.file.writeBytes(max, (chunk, start) => {
      let pos = start;
      if (separator) {
        chunk.set(separator, pos);
        pos += separator.length;
      }
      pos = this.encoder.encode(batch, chunk, pos);
      chunk.set(this.terminator, pos);
      return pos + this.terminator.length;
    });
  }

  /** Closes the JSON text and finishes the file. */
  async close(): Promise<WrittenFile> {
    if (this.shape.layout === "array") {
      await this.file.write(this.count === 0 ? "[]\n" : this.shape.pretty ? "\n]\n" : "]\n");
    }
    if (this.shape.layout === "object") await this.file.write("\n");
    return this.file.close();
  }

  /** Drops a file that failed half-way. */
  abort(): Promise<void> {
    return this.file.abort();
  }
}
