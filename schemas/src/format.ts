/** Numbers as every summary prints them: thousands separators, whatever the machine's locale. */
export function formatCount(value: number): string {
  return value.toLocaleString("en-US");
}

/** `1 file`, `2 files`, `12,345 files`: the count with separators and the noun in the right number. */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${formatCount(count)} ${count === 1 ? singular : pluralForm}`;
}

/** The message of anything thrown. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
