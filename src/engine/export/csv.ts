/**
 * CSV text as RFC 4180 writes it, so that spreadsheet programs, pandas and Python's `csv` module
 * read back exactly the values written: CRLF between records, and a field holding a comma, a quote,
 * CR or LF enclosed in quotes with its quotes doubled. Paths may hold any of these.
 */

export type CsvValue = string | number | boolean | undefined;

/** One header record, then one record per row; `undefined` is an empty field. */
export function csvText(header: readonly string[], rows: ReadonlyArray<readonly CsvValue[]>): string {
  return [header, ...rows].map((row) => `${row.map(csvField).join(',')}\r\n`).join('');
}

export function csvField(value: CsvValue): string {
  const text = value === undefined ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
