import { type OrderItemsCsvColumn, type OrdersCsvColumn, parseGmt3WallClock } from "@ctr/schemas";
import type { ColumnType, SqlValue } from "./database.ts";

/**
 * How a CSV column is read:
 * - `id`: a whole number from 0 to 2^63 - 1 (BIGINT), kept exact as a BigInt: ids beyond 2^53 are
 *   common in shop databases and a JS number would round them;
 * - `dateTime`: a real `YYYY-MM-DD HH:MM:SS` from year 1000 on (GMT-3 wall clock, stored as written);
 * - `money`: a decimal number with up to 12 digits before the point and 2 after, or empty (NULL);
 * - `text`: text up to 255 characters, empty is NULL;
 * - `textOrEmpty`: text up to 255 characters, empty kept as an empty string (device_type: a NOT NULL
 *   column the sync groups by; an order without one is stored, and reported as unmapped);
 * - `label`: non-empty text up to 255 characters;
 * - `quantity`: a whole number from 1 to 2^31 - 1.
 *
 * The bounds are the columns' (VARCHAR(255), DECIMAL(14,2), INTEGER, DATETIME): a value the database
 * would refuse is rejected here with its line instead of failing the whole batch.
 */
export type ColumnKind = "id" | "dateTime" | "money" | "text" | "textOrEmpty" | "label" | "quantity";

/** How each orders.csv column is read, in the contract's column order (the loader's value order). */
export const ORDER_COLUMN_KINDS: Record<OrdersCsvColumn, ColumnKind> = {
  id: "id",
  user_id: "id",
  order_date: "dateTime",
  order_subtotal: "money",
  order_discount: "money",
  order_total: "money",
  order_status: "text",
  payment_type: "text",
  shipping_cost: "money",
  shipping_service: "text",
  address_city: "text",
  address_state: "text",
  utm_source_medium: "text",
  device_type: "textOrEmpty",
};

/** How each order_items.csv column is read, in the contract's column order. */
export const ORDER_ITEM_COLUMN_KINDS: Record<OrderItemsCsvColumn, ColumnKind> = {
  id: "id",
  order_id: "id",
  sku: "text",
  quantity: "quantity",
  code_color: "label",
};

/** The SQL type each kind of column is stored as. */
export const COLUMN_TYPES: Record<ColumnKind, ColumnType> = {
  id: "bigint",
  quantity: "integer",
  dateTime: "datetime",
  money: "decimal",
  text: "text",
  textOrEmpty: "text",
  label: "text",
};

const WHOLE = /^\d+$/;
const MAX_ID = 2n ** 63n - 1n;
const DECIMAL = /^-?\d{1,12}(\.\d{1,2})?$/;
const MAX_TEXT = 255;
const MAX_QUANTITY = 2_147_483_647;

/** Reads one value, or says what is wrong with it. */
function parseValue(kind: ColumnKind, text: string): { value: SqlValue } | { problem: string } {
  const value = text.trim();
  switch (kind) {
    case "id": {
      const id = WHOLE.test(value) ? BigInt(value) : undefined;
      return id !== undefined && id <= MAX_ID ? { value: id } : { problem: `wants a whole number from 0 to ${MAX_ID}` };
    }
    case "quantity": {
      const n = Number(value);
      return WHOLE.test(value) && n > 0 && n <= MAX_QUANTITY
        ? { value: n }
        : { problem: "wants a whole number above 0" };
    }
    case "dateTime":
      // MySQL's DATETIME starts at year 1000.
      return parseGmt3WallClock(value) === undefined || value < "1000"
        ? { problem: "wants a real date and time YYYY-MM-DD HH:MM:SS" }
        : { value };
    case "money":
      if (value === "") return { value: null };
      return DECIMAL.test(value) ? { value } : { problem: "wants a decimal number with at most 2 decimals" };
    case "text":
    case "textOrEmpty":
      if (value.length > MAX_TEXT) return { problem: `is longer than ${MAX_TEXT} characters` };
      return { value: value === "" && kind === "text" ? null : value };
    case "label":
      if (value.length > MAX_TEXT) return { problem: `is longer than ${MAX_TEXT} characters` };
      return value === "" ? { problem: "wants a non-empty value" } : { value };
  }
}

/**
 * Where each of the table's columns sits in the CSV's rows, from its header; or what is wrong with
 * the header: the columns it lacks, or a column it names twice (which one holds the values is
 * unknown, so neither is guessed).
 */
export function locateColumns(
  kinds: Readonly<Record<string, ColumnKind>>,
  header: readonly string[],
): { positions: number[] } | { problem: string } {
  const names = header.map((name) => name.trim());
  const columns = Object.keys(kinds);
  const missing = columns.filter((column) => !names.includes(column));
  if (missing.length > 0) return { problem: `the header lacks ${missing.join(", ")}` };
  for (const column of columns) {
    const at = names.flatMap((name, i) => (name === column ? [i + 1] : []));
    if (at.length > 1) {
      const where = `${at.slice(0, -1).join(", ")} and ${at.at(-1)}`;
      return {
        problem: `the header has ${column} ${at.length === 2 ? "twice" : `${at.length} times`} (columns ${where}); keep one`,
      };
    }
  }
  return { positions: columns.map((column) => names.indexOf(column)) };
}

/**
 * Reads a CSV row's fields into the table's values, in column order (`positions` from
 * locateColumns), or says which column is missing or wrong and why.
 */
export function parseRecord(
  kinds: Readonly<Record<string, ColumnKind>>,
  positions: readonly number[],
  fields: readonly (string | undefined)[],
): { values: SqlValue[] } | { reason: string } {
  const values: SqlValue[] = [];
  for (const [i, [column, kind]] of Object.entries(kinds).entries()) {
    const text = fields[positions[i] ?? -1];
    if (text === undefined) return { reason: `missing column ${column}` };
    // PostgreSQL refuses NUL in text, and the others would store a value no export meant.
    if (text.includes("\u0000")) return { reason: `${column} holds a NUL byte` };
    // The parser decodes UTF-8, turning each byte sequence that is not UTF-8 into U+FFFD.
    if (text.includes("\uFFFD"))
      return { reason: `${column} is not valid UTF-8 (an undecodable byte, read as U+FFFD)` };
    const parsed = parseValue(kind, text);
    if ("problem" in parsed) return { reason: `${column} ${parsed.problem}, got ${JSON.stringify(text)}` };
    values.push(parsed.value);
  }
  return { values };
}
