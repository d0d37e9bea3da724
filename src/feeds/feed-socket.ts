/**
 * An outbound WebSocket to a builder feed, for a Durable Object to hold through a run. Workers
 * open client sockets with a `fetch` carrying `Upgrade: websocket` to the http(s) form of the URL,
 * then `accept()` the `webSocket` of the response. The socket hands every frame to a callback,
 * connects again after any loss with exponential backoff and jitter, and counts what happened.
 *
 * It never throws into its caller and never makes it wait: opening returns at once (the connection
 * is made in the background), a callback that throws is counted, not propagated, and `close()`
 * stops it for good. The run's send path must never wait on a feed.
 */
import { retryDelay, type RetryPolicy } from "../chain/retry";
import { publicUrl, splitCredentials } from "./feed-url";

export interface BackoffPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
}

/** A lost feed is tried again after ~0.1–0.25 s, doubling to 5–10 s while it stays away. */
export const DEFAULT_FEED_BACKOFF: BackoffPolicy = { baseDelayMs: 250, maxDelayMs: 10_000 };

export const FEED_CONNECT_TIMEOUT_MS = 5_000;

/**
 * The wait before connection attempt number `attempt` (1 = the first after a loss): exponential,
 * capped, with "equal jitter" (half fixed, half random) so that many objects reconnecting to one
 * builder after it restarts spread out. The same rule as the RPC retries (chain/retry.ts).
 */
export function nextBackoffMs(attempt: number, random: () => number = Math.random, policy: BackoffPolicy = DEFAULT_FEED_BACKOFF): number {
  const asRetry: RetryPolicy = { maxAttempts: Number.POSITIVE_INFINITY, maxRetryAfterMs: 0, ...policy };
  return retryDelay(asRetry, Math.max(1, attempt), undefined, random);
}

/** The URL a Worker fetches to open a client WebSocket: `ws:` → `http:`, `wss:` → `https:`. */
export function upgradeUrl(url: string | URL): URL {
  const out = new URL(url);
  if (out.protocol === "ws:") out.protocol = "http:";
  else if (out.protocol === "wss:") out.protocol = "https:";
  return out;
}

export type FeedSocketState = "connecting" | "open" | "waiting" | "closed";

export interface FeedSocketStats {
  state: FeedSocketState;
  /** Connections opened; every one after the first is a reconnect. */
  opens: number;
  reconnects: number;
  /** Attempts that did not open (refused, timed out, answered without upgrading). */
  failedAttempts: number;
  /** Open connections that ended (closed by the server, or an error). */
  drops: number;
  messages: number;
  /** Frames whose callback threw. */
  handlerErrors: number;
  /** Why the last attempt failed or connection ended; never holds the URL's credentials or query. */
  lastError: string | null;
  lastMessageAt: number | null;
}

export interface FeedSocketOptions {
  /** Every frame: text as a string, binary as an ArrayBuffer, with the time it arrived (Unix ms). */
  onMessage: (data: string | ArrayBuffer, receivedAt: number) => void;
  /** Each time a connection opens; `reconnect` is false the first time. */
  onOpen?: (reconnect: boolean) => void;
  backoff?: BackoffPolicy;
  connectTimeoutMs?: number;
  random?: () => number;
  now?: () => number;
}

export class FeedSocket {
  private readonly target: URL;
  private readonly headers: Record<string, string>;
  private readonly where: string;
  private readonly now: () => number;
  private socket: WebSocket | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** Bumped for every connection, so that events of a socket already given up are ignored. */
  private generation = 0;
  /** Failures since the last frame received: what the backoff grows with. */
  private attempt = 0;
  private readonly counts: FeedSocketStats = {
    state: "connecting",
    opens: 0,
    reconnects: 0,
    failedAttempts: 0,
    drops: 0,
    messages: 0,
    handlerErrors: 0,
    lastError: null,
    lastMessageAt: null,
  };

  /** Use `openFeedSocket`: the constructor only prepares (a bad URL closes the socket at once, with the reason). */
  constructor(
    url: string,
    private readonly options: FeedSocketOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.where = publicUrl(url);
    let target: URL | null = null;
    let headers: Record<string, string> = {};
    try {
      ({ url: target, headers } = splitCredentials(upgradeUrl(url)));
    } catch {
      this.counts.state = "closed";
      this.counts.lastError = "not a URL";
    }
    this.target = target ?? new URL("http://invalid.invalid/");
    this.headers = { ...headers, Upgrade: "websocket" };
  }

  stats(): FeedSocketStats {
    return { ...this.counts };
  }

  /** Stops for good: the connection is closed and no other is made. */
  close(): void {
    this.counts.state = "closed";
    this.generation++;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const socket = this.socket;
    this.socket = null;
    try {
      socket?.close(1000, "done");
    } catch {
      // Already closing: nothing to stop.
    }
  }

  /** Starts a connection attempt in the background. */
  connect(): void {
    if (this.counts.state === "closed") return;
    this.counts.state = "connecting";
    const generation = ++this.generation;
    this.attemptConnection(generation).catch((err) => this.lost(generation, `connect failed: ${describe(err)}`, false));
  }

  private async attemptConnection(generation: number): Promise<void> {
    const abort = new AbortController();
    const timeoutMs = this.options.connectTimeoutMs ?? FEED_CONNECT_TIMEOUT_MS;
    // Not AbortSignal.timeout: the signal must not outlive the handshake and touch the open socket.
    const timeout = setTimeout(() => abort.abort(), timeoutMs);
    let response: Response;
    try {
      response = await fetch(this.target, { headers: this.headers, signal: abort.signal });
    } catch (err) {
      const timedOut = abort.signal.aborted;
      return this.lost(generation, timedOut ? `no upgrade within ${timeoutMs} ms` : `connect failed: ${describe(err)}`, false);
    } finally {
      clearTimeout(timeout);
    }
    const socket = response.webSocket;
    if (!socket) {
      await response.body?.cancel().catch(() => {});
      return this.lost(generation, `HTTP ${response.status} without a WebSocket upgrade`, false);
    }
    if (generation !== this.generation) {
      // Closed while the handshake was under way.
      socket.accept();
      socket.close(1000, "done");
      return;
    }
    socket.accept();
    // Since the websocket_standard_binary_type compatibility date (ours is later), binary frames
    // arrive as Blobs unless asked otherwise; parsers want the bytes at once, synchronously.
    socket.binaryType = "arraybuffer";
    this.socket = socket;
    this.counts.state = "open";
    this.counts.opens++;
    const reconnect = this.counts.opens > 1;
    if (reconnect) this.counts.reconnects++;
    socket.addEventListener("message", (event) => this.deliver(generation, event.data));
    socket.addEventListener("close", (event) => this.lost(generation, `closed by the server (${event.code}${event.reason ? ` ${event.reason.slice(0, 100)}` : ""})`, true));
    socket.addEventListener("error", () => this.lost(generation, "socket error", true));
    this.safely(() => this.options.onOpen?.(reconnect));
  }

  private deliver(generation: number, data: string | ArrayBuffer): void {
    if (generation !== this.generation) return;
    this.counts.messages++;
    this.counts.lastMessageAt = this.now();
    // A frame arrived: the feed works, so the next loss starts the backoff from the bottom again.
    this.attempt = 0;
    this.safely(() => this.options.onMessage(data, this.counts.lastMessageAt!));
  }

  private safely(callback: () => void): void {
    try {
      callback();
    } catch {
      this.counts.handlerErrors++;
    }
  }

  /** The attempt or connection of `generation` is over: wait, then try again (unless closed or already replaced). */
  private lost(generation: number, reason: string, wasOpen: boolean): void {
    if (generation !== this.generation || this.counts.state === "closed") return;
    this.generation++;
    if (wasOpen) this.counts.drops++;
    else this.counts.failedAttempts++;
    this.counts.lastError = reason.split(this.target.href).join(this.where);
    const socket = this.socket;
    this.socket = null;
    try {
      socket?.close(1000, "reconnecting");
    } catch {
      // Already closed by the other side.
    }
    this.attempt++;
    this.counts.state = "waiting";
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connect();
    }, nextBackoffMs(this.attempt, this.options.random, this.options.backoff));
  }
}

const describe = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 200);

/** Opens a feed socket: returns at once, connecting in the background and again after every loss until `close()`. */
export function openFeedSocket(url: string, options: FeedSocketOptions): FeedSocket {
  const socket = new FeedSocket(url, options);
  socket.connect();
  return socket;
}
