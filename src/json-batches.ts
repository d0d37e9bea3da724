/**
 * Cutting a list into batches bounded in count and in bytes. Two places need it: JSON-RPC requests
 * (a node refuses a body over its limit: anvil 2 MB, geth 1,000 calls) and SQL statements that take
 * a whole list as one JSON parameter (Workers' SQLite refuses a string over 2 MB: SQLITE_TOOBIG).
 */

/** One JSON parameter of a SQL statement stays under this many characters: a quarter of SQLite's 2 MB cap on Workers. */
export const MAX_SQL_JSON_CHARS = 512 * 1024;

/**
 * Cuts items of these sizes, in order, into runs of at most `maxItems` items and `maxBytes` bytes
 * (counting the brackets and one separator per item, as in a JSON array): [start, end) index
 * pairs. An item larger than `maxBytes` goes alone.
 */
export function splitBatches(sizes: readonly number[], maxItems: number, maxBytes: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let start = 0;
  let bytes = 2;
  for (let i = 0; i < sizes.length; i++) {
    const full = i - start >= maxItems || (i > start && bytes + sizes[i] + 1 > maxBytes);
    if (full) {
      out.push([start, i]);
      start = i;
      bytes = 2;
    }
    bytes += sizes[i] + 1;
  }
  if (sizes.length > start) out.push([start, sizes.length]);
  return out;
}

/** `items` as JSON arrays of at most `maxChars` characters each (one item larger than that goes alone), with their counts. */
export function jsonArrays(items: readonly unknown[], maxChars = MAX_SQL_JSON_CHARS): Array<{ json: string; count: number }> {
  const encoded = items.map((item) => JSON.stringify(item));
  return splitBatches(
    encoded.map((e) => e.length),
    Number.POSITIVE_INFINITY,
    maxChars,
  ).map(([start, end]) => ({ json: `[${encoded.slice(start, end).join(",")}]`, count: end - start }));
}
