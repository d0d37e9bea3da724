/**
 * Feed and builder URLs as the outside may see them, and the credentials a URL carries as the
 * request needs them. Operators put tokens in feed URLs (`?token=`, `user:pass@`); those must
 * reach the builder and nothing else: not environment.sources, figures, errors nor logs.
 */

/** Scheme, host, port and path: never userinfo, query or fragment. An unparsable URL is not echoed back. */
export function publicUrl(url: string | URL): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return "[not a URL]";
  }
}

const decoded = (part: string) => {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
};

/**
 * The URL's `user:password@` as an `Authorization: Basic` header, and the URL without it: a fetch
 * must not carry credentials in its URL, and a builder behind basic auth still needs them.
 */
export function splitCredentials(url: URL): { url: URL; headers: Record<string, string> } {
  if (url.username === "" && url.password === "") return { url, headers: {} };
  const bare = new URL(url);
  bare.username = "";
  bare.password = "";
  const bytes = new TextEncoder().encode(`${decoded(url.username)}:${decoded(url.password)}`);
  return { url: bare, headers: { Authorization: `Basic ${btoa(String.fromCharCode(...bytes))}` } };
}
