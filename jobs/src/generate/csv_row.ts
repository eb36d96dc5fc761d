/** Quotes a CSV field per RFC 4180 when it holds a comma, a quote or a line break. */
export function csvField(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One CSV record, CRLF-terminated as RFC 4180 asks. */
export function csvRow(values: readonly (string | number)[]): string {
  return `${values.map(csvField).join(",")}\r\n`;
}
