/** Plain-text tables for the terminal: padded columns, numbers aligned right, a rule under the header. */

export type Cell = string | number | null | undefined;

const text = (cell: Cell) => (cell === null || cell === undefined ? "–" : String(cell));

/** Columns of numbers (blanks allowed) are aligned right. Widths count characters (no wide glyphs expected). */
export function formatTable(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => text(row[c]).length)));
  const numeric = header.map((_, c) => rows.some((row) => typeof row[c] === "number") && rows.every((row) => typeof row[c] === "number" || row[c] === null || row[c] === undefined));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, c) => (numeric[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((w) => "─".repeat(w)).join("  "), ...rows.map((row) => line(header.map((_, c) => text(row[c]))))].join("\n");
}
