/** A run's seconds as CSV (the run page's export). Pure: tested in Node. */

/** RFC 4180 CSV: a header row, then one row per object; a cell with a comma, quote or newline is quoted. */
export function toCsv(rows: Array<Record<string, unknown>>, columns: string[] = rows.length > 0 ? Object.keys(rows[0]) : []): string {
  const cell = (value: unknown) => {
    const text = value === null || value === undefined ? "" : typeof value === "object" ? JSON.stringify(value) : String(value);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [columns.join(","), ...rows.map((row) => columns.map((c) => cell(row[c])).join(","))].join("\r\n") + "\r\n";
}
