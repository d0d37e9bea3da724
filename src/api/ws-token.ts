/**
 * The API token on a WebSocket. A browser cannot set Authorization on `new WebSocket(...)`, and a
 * token in the URL ends up in request logs (wrangler dev prints every URL, and so do the platform's
 * request logs). What a browser can set is the list of subprotocols, sent as
 * `Sec-WebSocket-Protocol`: it offers `loadgen` and `loadgen.bearer.<token as base64url>`, and the
 * server answers `loadgen` (never the token entry). base64url because a subprotocol must be an HTTP
 * token (RFC 6455 §4.1), which a token with `/`, `=` or spaces is not.
 *
 * Pure functions on strings: the dashboard imports this file too.
 */

/** The subprotocol of the live feed; a server that is offered it answers with it. */
export const WS_PROTOCOL = "loadgen";
const TOKEN_PROTOCOL_PREFIX = `${WS_PROTOCOL}.bearer.`;

/** The subprotocol entry that carries `token`. */
export function tokenProtocol(token: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(token)) binary += String.fromCharCode(byte);
  return TOKEN_PROTOCOL_PREFIX + btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The entries of a `Sec-WebSocket-Protocol` header (comma-separated, RFC 6455 §11.3.4). */
export function offeredProtocols(header: string | undefined): string[] {
  return (header ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "");
}

/** The token a client offered as a subprotocol; undefined when none was offered or it does not decode. */
export function tokenFromProtocols(header: string | undefined): string | undefined {
  const entry = offeredProtocols(header).find((p) => p.startsWith(TOKEN_PROTOCOL_PREFIX));
  if (entry === undefined) return undefined;
  const encoded = entry.slice(TOKEN_PROTOCOL_PREFIX.length);
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) return undefined;
  try {
    const binary = atob(encoded.replace(/-/g, "+").replace(/_/g, "/"));
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
  } catch {
    return undefined;
  }
}
