import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { messageOf, formatCount as n, parsePlatform, plural } from "@ctr/schemas";
import { parse } from "csv-parse";
import { locateColumns, ORDER_COLUMN_KINDS, ORDER_ITEM_COLUMN_KINDS, parseRecord } from "./csv_rows.ts";
import { type OrdersDatabase, OrdersDatabaseError } from "./database.ts";
import { FirstLines } from "./first_lines.ts";
import { migrateOrdersDatabase } from "./migrations.ts";
import { type PendingRow, type TableSpec, writeBatch } from "./write_batch.ts";

export interface LoadOrdersOptions {
  /** Rows written per transaction. Default 2,000 (at most 32,000 values per statement). */
  batchSize?: number;
  /** How many rejected rows the summary lists (all are counted). Default 20. */
  maxRejectedListed?: number;
  /** Called after each batch with the file and the rows read from it so far. */
  onProgress?: (progress: { file: string; rows: number }) => void;
}

/** A CSV row that was not loaded: where it is and why. */
export interface RejectedRow {
  file: string;
  /** 1-based line number in the file (the header is line 1). */
  line: number;
  reason: string;
}

export interface TableLoadCounts {
  /** Data rows read from the file. */
  read: number;
  /** Rows this load inserted (new ids). */
  loaded: number;
  /** Rows whose id was there with different values, which this load overwrote. */
  updated: number;
  /** Rows already there with the same values (possibly written by a concurrent load). */
  unchanged: number;
  rejected: number;
}

export interface LoadSummary {
  orders: TableLoadCounts;
  items: TableLoadCounts;
  /** Orders whose device_type maps to no platform, by device type (`(empty)` for none): they never count as purchases. */
  unmappedDeviceTypes: Record<string, number>;
  /** The first rejected rows (about the first `maxRejectedListed`: a batch's missing orders come after its other rejects), sorted by file and line. */
  rejected: RejectedRow[];
  rejectedTotal: number;
  elapsedMs: number;
}

/**
 * Raised when a load cannot run at all or cannot go on: a missing file, a header without the
 * contract's columns or with one twice, a quote that breaks the CSV's structure, a batch the
 * database could not write. Whole batches written before it stay: a reload leaves them unchanged.
 */
export class OrdersLoadError extends Error {
  override name = "OrdersLoadError";
}

/**
 * Parser errors after which the parser no longer knows where rows start: a quote that never closes
 * (it reads the rest of the file as one field), text after a closing quote (it goes on inside the
 * quote). Any other unreadable row costs only itself.
 */
const STRUCTURAL_FAULTS: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: "a quoted field opens on this line and its quote is never closed",
  CSV_INVALID_CLOSING_QUOTE: "a quoted field's closing quote is followed by more text before the next comma",
};

/** The message of a structural fault found while reading `file`: where, what, and what the rows before it did. */
function structuralFault(
  file: string,
  code: string,
  fault: { start: number; end: number },
  before: TableLoadCounts,
): string {
  const what = STRUCTURAL_FAULTS[code] ?? code;
  const swallowed = code === "CSV_QUOTE_NOT_CLOSED" ? ` (lines ${fault.start} to ${fault.end} read as one field)` : "";
  const stored = before.loaded + before.updated + before.unchanged;
  return (
    `${file}:${fault.start}: ${what}${swallowed}, so the file cannot be read past line ${fault.start - 1} and the load ` +
    `stopped there: before it ${plural(before.read, "row")} read (${n(stored)} stored, ${n(before.rejected)} rejected), ` +
    `nothing from it on. Fix the quoting (a quote inside a quoted field is written twice: "") and load again.`
  );
}

const ORDERS: TableSpec = { table: "orders", kinds: ORDER_COLUMN_KINDS };
const ITEMS: TableSpec = { table: "order_items", kinds: ORDER_ITEM_COLUMN_KINDS };

const emptyCounts = (): TableLoadCounts => ({ read: 0, loaded: 0, updated: 0, unchanged: 0, rejected: 0 });

/**
 * Loads orders.csv, then order_items.csv, into the orders database, creating its tables first.
 * Rows are upserted by id in batched transactions: loading the same files again changes nothing,
 * and a changed row is overwritten. Rows that fail validation (a bad or missing field, a NUL byte,
 * bytes that are not UTF-8, an item of an unknown order, a later row of an id already in the file)
 * are rejected with file and line and never stop the load. The counts are the database's: rows
 * this load inserted or changed, so concurrent loads of the same files add up to the rows.
 */
export async function loadOrders(
  db: OrdersDatabase,
  files: { orders: string; items: string },
  options: LoadOrdersOptions = {},
): Promise<LoadSummary> {
  const started = performance.now();
  for (const [what, file] of [
    ["orders", files.orders],
    ["order items", files.items],
  ] as const) {
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) throw new OrdersLoadError(`${what} file not found: ${file}`);
  }
  await migrateOrdersDatabase(db);
  const summary: LoadSummary = {
    orders: emptyCounts(),
    items: emptyCounts(),
    unmappedDeviceTypes: {},
    rejected: [],
    rejectedTotal: 0,
    elapsedMs: 0,
  };
  const maxListed = options.maxRejectedListed ?? 20;
  const reject = (counts: TableLoadCounts, row: RejectedRow) => {
    counts.rejected++;
    summary.rejectedTotal++;
    if (summary.rejected.length < maxListed) summary.rejected.push(row);
  };
  const deviceTypeIndex = Object.keys(ORDER_COLUMN_KINDS).indexOf("device_type");
  await loadFile(db, ORDERS, files.orders, summary.orders, reject, options, (row) => {
    const deviceType = String(row.values[deviceTypeIndex]);
    if (!parsePlatform(deviceType)) {
      const key = deviceType === "" ? "(empty)" : deviceType;
      summary.unmappedDeviceTypes[key] = (summary.unmappedDeviceTypes[key] ?? 0) + 1;
    }
  });
  await loadFile(db, ITEMS, files.items, summary.items, reject, options);
  // Items of unknown orders are found when their batch is written, after the batch's other rejects.
  const fileOrder = [files.orders, files.items];
  summary.rejected.sort((a, b) => fileOrder.indexOf(a.file) - fileOrder.indexOf(b.file) || a.line - b.line);
  summary.elapsedMs = Math.round(performance.now() - started);
  return summary;
}

/** Streams one CSV file into its table, batch by batch. */
async function loadFile(
  db: OrdersDatabase,
  spec: TableSpec,
  file: string,
  counts: TableLoadCounts,
  reject: (counts: TableLoadCounts, row: RejectedRow) => void,
  options: LoadOrdersOptions,
  onValid?: (row: PendingRow) => void,
): Promise<void> {
  // One statement binds every value of its batch: stay under SQLite's 32,766 bound parameters.
  const batchSize = Math.min(options.batchSize ?? 2_000, Math.floor(32_000 / Object.keys(spec.kinds).length));
  // Rows as arrays, mapped through the header's positions: about twice as fast as csv-parse's
  // `columns` objects, and the parser is what bounds the load rate.
  const parser = parse({
    bom: true,
    // Both line endings, even mixed: left to itself the parser takes the first line's ending as the
    // only one, and a CRLF export with LF rows appended would silently merge those rows into one.
    record_delimiter: ["\r\n", "\n"],
    // A short row lacks some fields: rejected below as "missing column".
    relax_column_count: true,
    // A row the CSV parser cannot read at all (a stray quote) is reported through 'skip', not fatal.
    skip_records_with_error: true,
    skip_empty_lines: true,
    info: true,
    // The line the last readable row ended on: a row the parser cannot read starts after it.
    on_record: (record, context) => {
      lastRowEnd = context.lines;
      return record;
    },
  });
  let lastRowEnd = 0;
  let fault: { code: string; start: number; end: number } | undefined;
  parser.on("skip", (error: Error & { lines?: number; code?: string }) => {
    const line = error.lines ?? 0;
    if (fault) return;
    if (error.code && error.code in STRUCTURAL_FAULTS) {
      fault = { code: error.code, start: lastRowEnd + 1, end: line };
      return;
    }
    lastRowEnd = line;
    counts.read++;
    reject(counts, { file, line, reason: `unreadable CSV: ${error.message}` });
  });
  const input = createReadStream(file);
  input.on("error", (error) => parser.destroy(error));
  input.pipe(parser);

  let batch: PendingRow[] = [];
  // One batch is written while the next is parsed: the network databases spend most of a load
  // waiting on the server. At most one in flight, so memory stays at two batches.
  let writing: Promise<void> = Promise.resolve();
  const flush = async () => {
    await writing;
    if (batch.length === 0) return;
    const rows = batch;
    batch = [];
    const read = counts.read;
    writing = writeBatch(db, spec, rows).then(
      (written) => {
        counts.loaded += written.loaded;
        counts.updated += written.updated;
        counts.unchanged += written.unchanged;
        for (const { row, reason } of written.rejected) reject(counts, { file, line: row.line, reason });
        options.onProgress?.({ file, rows: read });
      },
      (error: unknown) => {
        const lines = `lines ${rows[0]?.line}-${rows.at(-1)?.line}`;
        throw new OrdersDatabaseError(
          `${db.label}: the batch of ${file} ${lines} could not be written: ${messageOf(error)}. ` +
            `That batch was rolled back whole; the batches before it are loaded. Fix the cause and load again ` +
            `(rows already loaded are left unchanged).`,
          { cause: error },
        );
      },
    );
    // Marked handled now; the failure still surfaces at the next `await writing`.
    writing.catch(() => undefined);
  };
  const firstLines = new FirstLines();
  try {
    let positions: number[] | undefined;
    let headerFields = 0;
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      // Rows the parser still finds past a structural fault are not trusted.
      if (fault && info.lines >= fault.start) break;
      if (!positions) {
        const located = locateColumns(spec.kinds, record);
        if ("problem" in located) throw new OrdersLoadError(`${file}: ${located.problem}`);
        positions = located.positions;
        headerFields = record.length;
        continue;
      }
      counts.read++;
      if (record.length > headerFields) {
        // Extra fields shift the values under the header (an unquoted comma in a city): never load them.
        const reason = `has ${record.length} fields, the header ${headerFields} (an unquoted comma?)`;
        reject(counts, { file, line: info.lines, reason });
        continue;
      }
      const parsed = parseRecord(spec.kinds, positions, record);
      if ("reason" in parsed) {
        reject(counts, { file, line: info.lines, reason: parsed.reason });
        continue;
      }
      const row: PendingRow = { id: String(parsed.values[0]), line: info.lines, values: parsed.values };
      // A second row of an id is an export gone wrong, and which one is right is unknown: the first
      // one is loaded (a reload gives the same result), each later one rejected, naming the first.
      const first = firstLines.claim(row.id, row.line);
      if (first !== undefined) {
        const reason = `duplicate id ${row.id}: line ${first} has it (the first row of an id is the one loaded)`;
        reject(counts, { file, line: row.line, reason });
        continue;
      }
      onValid?.(row);
      batch.push(row);
      if (batch.length >= batchSize) await flush();
    }
    // An empty file has no header: that is an export gone wrong, not a table without rows.
    if (!positions && !fault) throw new OrdersLoadError(`${file}: the file is empty (no header row)`);
    await flush();
    await writing;
    if (fault) throw new OrdersLoadError(structuralFault(file, fault.code, fault, counts));
  } finally {
    // A refused header or a failed batch leaves the file half read: let go of it.
    input.destroy();
  }
}
