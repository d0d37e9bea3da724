/**
 * A minimal JSON-RPC 2.0 client over fetch. Batches are first-class: a Worker invocation may hold
 * only six outbound connections, so everything that can go out together goes out as one batch.
 */
import { RpcError, classifyHttpStatus, classifyRpcMessage } from "../errors";
import { splitBatches } from "../json-batches";
import { parseRetryAfter } from "./retry";

export interface RpcCall {
  method: string;
  params: readonly unknown[];
}

export type RpcOutcome<T = unknown> = { ok: true; result: T } | { ok: false; error: RpcError };

interface JsonRpcResponse {
  id: number;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** Calls per HTTP request: PRODUCT.md §9 says at most 500 (geth refuses batches over 1,000). */
export const MAX_BATCH_CALLS = 500;

/**
 * Bytes of one request body: anvil refuses bodies over 2 MB with one error for the whole batch;
 * 1 MiB leaves room, and 500 calldata-heavy transactions (about 10 kB each) would not fit in 2 MB.
 */
export const MAX_BATCH_BYTES = 1024 * 1024;

/** The outcome of each call, matched by id: a call the answer leaves out gets a timeout (it may or may not have run). */
function matchResponses<T>(calls: readonly RpcCall[], firstId: number, responses: JsonRpcResponse[]): RpcOutcome<T>[] {
  const byId = new Map<number, JsonRpcResponse>();
  for (const r of responses) byId.set(Number(r.id), r);
  return calls.map((call, i) => {
    const response = byId.get(firstId + i);
    if (!response) return { ok: false, error: new RpcError("timeout", `no response for ${call.method}`) };
    if (response.error) {
      const message = String(response.error.message ?? "");
      return { ok: false, error: new RpcError(classifyRpcMessage(message), message, response.error.code) };
    }
    return { ok: true, result: response.result as T };
  });
}

/**
 * Bytes of one response body we are willing to hold: far above what 500 calls answer, far below
 * an isolate's 128 MB, so a broken or hostile endpoint cannot exhaust the object's memory.
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

export interface RpcClientOptions {
  /** A response body above this many bytes is refused as an unusable answer (default 32 MiB). */
  maxResponseBytes?: number;
}

export class JsonRpcClient {
  private nextId = 1;
  private readonly maxResponseBytes: number;

  constructor(
    readonly url: string,
    private readonly timeoutMs = DEFAULT_TIMEOUT_MS,
    options: RpcClientOptions = {},
  ) {
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  }

  /** One call; a JSON-RPC error is thrown as an RpcError with its class. */
  async call<T>(method: string, params: readonly unknown[] = []): Promise<T> {
    const [outcome] = await this.batch<T>([{ method, params }]);
    if (!outcome.ok) throw outcome.error;
    return outcome.result;
  }

  /**
   * Sends the calls in HTTP requests of at most MAX_BATCH_CALLS calls and MAX_BATCH_BYTES bytes
   * each, and returns their outcomes in the order of `calls`. Per-call errors come back as
   * outcomes; a transport failure of any request (no answer, an unusable or non-2xx answer) throws,
   * because then no call's fate is known to the caller (who retries the same signed bytes, which a
   * node that has them answers "already known").
   */
  async batch<T = unknown>(calls: readonly RpcCall[]): Promise<RpcOutcome<T>[]> {
    if (calls.length === 0) return [];
    const firstId = this.nextId;
    this.nextId += calls.length;
    // Each call is encoded once; a request's body is these strings joined, never encoded again.
    const encoded = calls.map((c, i) => JSON.stringify({ jsonrpc: "2.0", id: firstId + i, method: c.method, params: c.params }));
    const outcomes: RpcOutcome<T>[] = [];
    // One request after another: an invocation holds at most six connections, shared with other
    // work, and a sender's nonces must reach the node in order (geth keeps only 64 out-of-order
    // transactions per account).
    for (const [start, end] of splitBatches(encoded.map((e) => e.length), MAX_BATCH_CALLS, MAX_BATCH_BYTES)) {
      const responses = await this.post(`[${encoded.slice(start, end).join(",")}]`);
      outcomes.push(...matchResponses<T>(calls.slice(start, end), firstId + start, responses));
    }
    return outcomes;
  }

  private async post(body: string): Promise<JsonRpcResponse[]> {
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
        // A redirect is refused, never followed: a 307 would re-POST signed transactions to its host.
        redirect: "manual",
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw transportError(err);
    }
    if (!response.ok) {
      await response.body?.cancel();
      const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
      const location = response.headers.get("location");
      const redirect = location === null ? "" : ` (redirect to ${location.slice(0, 200)} not followed)`;
      throw new RpcError(classifyHttpStatus(response.status), `HTTP ${response.status} from RPC endpoint${redirect}`, response.status, retryAfterMs);
    }
    const text = await readBounded(response, this.maxResponseBytes);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new RpcError("bad-response", `RPC response is not JSON: ${describe(err)}`);
    }
    if (Array.isArray(parsed)) return parsed as JsonRpcResponse[];
    // Some nodes answer a whole batch with one error object (e.g. batch too large).
    const single = parsed as JsonRpcResponse | null;
    if (typeof single?.error?.message !== "string") throw new RpcError("bad-response", "RPC response is neither a batch nor an error");
    throw new RpcError(classifyRpcMessage(single.error.message), single.error.message, single.error.code);
  }
}

/**
 * The body as text, refused (stream cancelled) once it passes `limit` bytes, or before reading
 * when its Content-Length already does. Counted as it streams: a chunked answer declares no length.
 */
export async function readBounded(response: Response, limit: number): Promise<string> {
  const tooLarge = (size: string) => new RpcError("bad-response", `RPC response of ${size} bytes is over the ${limit}-byte limit`);
  const declared = Number(response.headers.get("content-length") ?? NaN);
  if (declared > limit) {
    await response.body?.cancel();
    throw tooLarge(String(declared));
  }
  if (!response.body) return "";
  // A declared length within the limit: the runtime reads the body natively, far cheaper than chunks in JS.
  if (Number.isFinite(declared)) {
    try {
      return await response.text();
    } catch (err) {
      throw transportError(err);
    }
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let read: ReadableStreamReadResult<Uint8Array>;
    try {
      read = await reader.read();
    } catch (err) {
      throw transportError(err);
    }
    if (read.done) break;
    total += read.value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge(`more than ${limit}`);
    }
    chunks.push(read.value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

/** No answer, or an answer cut off: timed out, or the connection failed. */
function transportError(err: unknown): RpcError {
  const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
  return new RpcError(timedOut ? "timeout" : "connection", `${timedOut ? "timeout" : "connection failed"}: ${describe(err)}`);
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export const toHex = (n: number | bigint): `0x${string}` => `0x${n.toString(16)}`;
export const fromHex = (hex: string): number => Number.parseInt(hex, 16);
