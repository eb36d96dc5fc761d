import { ORDER_ITEMS_CSV_COLUMNS, ORDERS_CSV_COLUMNS } from "@ctr/schemas";
import { describe, expect, it } from "vitest";
import {
  type ColumnKind,
  locateColumns,
  ORDER_COLUMN_KINDS,
  ORDER_ITEM_COLUMN_KINDS,
  parseRecord,
} from "./csv_rows.ts";

const item: Record<string, string | undefined> = {
  id: "7",
  order_id: "3",
  sku: "SKU-1",
  quantity: "2",
  code_color: "ABC123",
};

/** Parses a record given as an object, through a header in another order than the table's. */
function parseObject(kinds: Readonly<Record<string, ColumnKind>>, record: Record<string, string | undefined>) {
  const header = Object.keys(kinds).reverse();
  const located = locateColumns(kinds, header);
  if ("problem" in located) throw new Error(located.problem);
  return parseRecord(
    kinds,
    located.positions,
    header.map((name) => record[name]),
  );
}

describe("column kinds", () => {
  // The loader writes values in the kinds' key order, the tables' column order.
  it("follow the contract's CSV columns in order", () => {
    expect(Object.keys(ORDER_COLUMN_KINDS)).toEqual(ORDERS_CSV_COLUMNS);
    expect(Object.keys(ORDER_ITEM_COLUMN_KINDS)).toEqual(ORDER_ITEMS_CSV_COLUMNS);
  });
});

describe("parseRecord", () => {
  it("reads a valid record into typed values in column order", () => {
    expect(parseObject(ORDER_ITEM_COLUMN_KINDS, item)).toEqual({ values: [7n, 3n, "SKU-1", 2, "ABC123"] });
  });

  it("keeps ids exact up to 2^63 - 1, beyond what a JS number holds", () => {
    const ids = { id: "9007199254740993", order_id: "9223372036854775807" };
    expect(parseObject(ORDER_ITEM_COLUMN_KINDS, { ...item, ...ids })).toEqual({
      values: [9007199254740993n, 9223372036854775807n, "SKU-1", 2, "ABC123"],
    });
  });

  it.each([
    ["a NUL byte", { sku: "SK\u0000U" }, "sku holds a NUL byte"],
    ["bytes that are not UTF-8", { code_color: "AB\uFFFD" }, "code_color is not valid UTF-8"],
  ])("rejects %s, naming the column", (_, change, reason) => {
    expect(parseObject(ORDER_ITEM_COLUMN_KINDS, { ...item, ...change })).toEqual({
      reason: expect.stringContaining(reason),
    });
  });

  it.each([
    [{ id: "7a" }, "id wants a whole number"],
    [{ id: "-1" }, "id wants a whole number"],
    [{ id: "9223372036854775808" }, "id wants a whole number from 0 to 9223372036854775807"],
    [{ quantity: "0" }, "quantity wants a whole number above 0"],
    [{ quantity: "-2" }, "quantity wants a whole number above 0"],
    [{ quantity: "1.5" }, "quantity wants a whole number above 0"],
    [{ quantity: "2147483648" }, "quantity wants a whole number above 0"],
    [{ code_color: " " }, "code_color wants a non-empty value"],
    [{ code_color: "x".repeat(256) }, "code_color is longer than 255 characters"],
    [{ order_id: undefined }, "missing column order_id"],
  ])("rejects %o: %s", (change, reason) => {
    expect(parseObject(ORDER_ITEM_COLUMN_KINDS, { ...item, ...change })).toEqual({
      reason: expect.stringContaining(reason),
    });
  });

  it("wants order_date to be a real calendar time", () => {
    const kinds = { order_date: "dateTime" } as const;
    expect(parseObject(kinds, { order_date: "2016-02-29 23:59:59" })).toEqual({ values: ["2016-02-29 23:59:59"] });
    for (const bad of [
      "0999-12-31 10:00:00",
      "2015-02-29 10:00:00",
      "2016-02-01 24:00:00",
      "2016-02-01T10:00:00",
      "2016-02-01",
    ]) {
      expect(parseObject(kinds, { order_date: bad })).toEqual({ reason: expect.stringContaining("order_date") });
    }
  });

  it("reads empty money and text as NULL, an empty device type as empty, and rejects non-numeric money", () => {
    const kinds = { order_total: "money", order_status: "text", device_type: "textOrEmpty" } as const;
    expect(parseObject(kinds, { order_total: "", order_status: "", device_type: "" })).toEqual({
      values: [null, null, ""],
    });
    for (const bad of ["12,50", "1.005", "1234567890123"]) {
      expect(parseObject(kinds, { order_total: bad, order_status: "x", device_type: "iOS" })).toEqual({
        reason: expect.stringContaining("order_total wants a decimal number"),
      });
    }
  });
});

describe("locateColumns", () => {
  it("names the columns a header lacks", () => {
    expect(locateColumns(ORDER_ITEM_COLUMN_KINDS, ["id", "sku", " quantity "])).toEqual({
      problem: "the header lacks order_id, code_color",
    });
  });

  it("names a column the header gives more than once, with its positions", () => {
    const header = ["id", "order_id", "sku", "quantity", "code_color"];
    expect(locateColumns(ORDER_ITEM_COLUMN_KINDS, [...header, " code_color"])).toEqual({
      problem: "the header has code_color twice (columns 5 and 6); keep one",
    });
    expect(locateColumns(ORDER_ITEM_COLUMN_KINDS, ["sku", ...header, "sku"])).toEqual({
      problem: "the header has sku 3 times (columns 1, 4 and 7); keep one",
    });
  });
});
