import { describe, expect, it } from "vitest";
import { csvField, csvRow } from "./csv_row.ts";

describe("csvRow", () => {
  it("quotes only fields that need it, doubling quotes (RFC 4180)", () => {
    expect(csvField("São Paulo")).toBe("São Paulo");
    expect(csvField("Brasília, Asa Sul")).toBe('"Brasília, Asa Sul"');
    expect(csvField('afiliados / "cashback, parceiro"')).toBe('"afiliados / ""cashback, parceiro"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvRow([1, "a,b", ""])).toBe('1,"a,b",\r\n');
  });
});
