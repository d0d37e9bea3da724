/**
 * What the feed parsers share: a WebSocket frame's data (text, or binary as the runtime hands it)
 * turned into JSON without ever throwing, and the number forms builders put in it.
 */

/** What `FeedSocket` hands over: a text frame as a string, a binary one as an ArrayBuffer. */
export type FrameData = string | ArrayBuffer | ArrayBufferView;

export type JsonResult = { ok: true; value: unknown } | { ok: false; reason: string };

const utf8 = new TextDecoder();

/** The frame's text: binary frames are read as UTF-8 (some proxies send JSON as binary). */
export function frameText(data: FrameData): string {
  if (typeof data === "string") return data;
  return utf8.decode(data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

export function parseJson(text: string): JsonResult {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    // The parser's message may quote the frame: keep it out of figures and logs.
    return { ok: false, reason: "not JSON" };
  }
}

export const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * A non-negative integer sent as a JSON number, a decimal string or a `0x` hex string (Go and
 * Rust builders use all three for block numbers and gas); anything else, or beyond 2^53, is null.
 */
export function quantity(value: unknown): number | null {
  if (typeof value === "number") return Number.isSafeInteger(value) && value >= 0 ? value : null;
  if (typeof value !== "string") return null;
  const text = value.trim();
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(text)) return null;
  const n = Number(BigInt(text));
  return Number.isSafeInteger(n) ? n : null;
}

/** A finite, non-negative number (a rate, a duration) sent as a number or a numeric string; else null. */
export function measure(value: unknown): number | null {
  if (typeof value === "string" && /^\s*0x/i.test(value)) return quantity(value);
  const n = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
  return Number.isFinite(n) && n >= 0 ? n : null;
}

/** A 32-byte hash as 0x + 64 hex digits, lower-cased; anything else is null. */
export function hash32(value: unknown): `0x${string}` | null {
  return typeof value === "string" && /^0x[0-9a-fA-F]{64}$/.test(value) ? (value.toLowerCase() as `0x${string}`) : null;
}
