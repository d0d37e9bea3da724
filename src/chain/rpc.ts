/**
 * A minimal JSON-RPC 2.0 client over fetch. Batches are first-class: a Worker invocation may hold
 * only six outbound connections, so everything that can go out together goes out as one batch.
 */
import { RpcError, classifyHttpStatus, classifyRpcMessage } from "../errors";
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

export class JsonRpcClient {
  private nextId = 1;

  constructor(
    readonly url: string,
    private readonly timeoutMs = DEFAULT_TIMEOUT_MS,
  ) {}

  /** One call; a JSON-RPC error is thrown as an RpcError with its class. */
  async call<T>(method: string, params: readonly unknown[] = []): Promise<T> {
    const [outcome] = await this.batch<T>([{ method, params }]);
    if (!outcome.ok) throw outcome.error;
    return outcome.result;
  }

  /**
   * Sends all calls in one HTTP request. Per-call errors come back as outcomes; a transport failure
   * (no answer, a non-JSON or non-2xx answer) throws, because then no call's fate is known.
   */
  async batch<T = unknown>(calls: readonly RpcCall[]): Promise<RpcOutcome<T>[]> {
    if (calls.length === 0) return [];
    const firstId = this.nextId;
    this.nextId += calls.length;
    const body = calls.map((c, i) => ({ jsonrpc: "2.0", id: firstId + i, method: c.method, params: c.params }));
    const responses = await this.post(body);
    const byId = new Map<number, JsonRpcResponse>();
    for (const r of responses) byId.set(Number(r.id), r);
    return calls.map((call, i) => {
      const response = byId.get(firstId + i);
      // No answer for this call: it may or may not have been processed.
      if (!response) return { ok: false, error: new RpcError("timeout", `no response for ${call.method}`) };
      if (response.error) {
        const message = String(response.error.message ?? "");
        return { ok: false, error: new RpcError(classifyRpcMessage(message), message, response.error.code) };
      }
      return { ok: true, result: response.result as T };
    });
  }

  private async post(body: unknown[]): Promise<JsonRpcResponse[]> {
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
      throw new RpcError(timedOut ? "timeout" : "connection", `${timedOut ? "timeout" : "connection failed"}: ${describe(err)}`);
    }
    if (!response.ok) {
      await response.body?.cancel();
      const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
      throw new RpcError(classifyHttpStatus(response.status), `HTTP ${response.status} from RPC endpoint`, response.status, retryAfterMs);
    }
    let parsed: unknown;
    try {
      parsed = await response.json();
    } catch (err) {
      throw new RpcError("connection", `unreadable RPC response: ${describe(err)}`);
    }
    if (Array.isArray(parsed)) return parsed as JsonRpcResponse[];
    // Some nodes answer a whole batch with one error object (e.g. batch too large).
    const single = parsed as JsonRpcResponse;
    const message = single?.error?.message ?? "malformed batch response";
    throw new RpcError(classifyRpcMessage(message), message, single?.error?.code);
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export const toHex = (n: number | bigint): `0x${string}` => `0x${n.toString(16)}`;
export const fromHex = (hex: string): number => Number.parseInt(hex, 16);
