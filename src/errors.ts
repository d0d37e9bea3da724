/**
 * Every error class of the product, and the one place that decides which class an RPC or HTTP
 * failure belongs to. Counts per class are what TestMetrics `errors` reports.
 */

/** An error the HTTP API turns into `{ error, details }` with its status. */
export class ApiError extends Error {
  constructor(
    readonly status: 400 | 401 | 404 | 409 | 422 | 503,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export type SendErrorClass =
  | "nonce-too-low"
  | "nonce-too-high"
  | "already-known"
  | "underpriced"
  | "replacement-underpriced"
  | "insufficient-funds"
  | "gas-limit"
  | "rate-limited"
  | "unavailable"
  | "timeout"
  | "connection"
  | "unknown";

/** A JSON-RPC error object returned by a node, or a transport failure, with its class. */
export class RpcError extends Error {
  constructor(
    readonly errorClass: SendErrorClass,
    message: string,
    readonly code?: number,
    /** True when the request certainly never reached the node (nothing could have been accepted). */
    readonly notDelivered = false,
  ) {
    super(message);
    this.name = "RpcError";
  }
}

/** Wording used by anvil, geth, reth, erigon, nethermind and besu, most specific first. */
const MESSAGE_CLASSES: ReadonlyArray<[RegExp, SendErrorClass]> = [
  [/already known|already imported|known transaction|alreadyknown|transaction already exists/i, "already-known"],
  [/replacement (transaction )?underpriced|replacement fee too low|replacementnotallowed/i, "replacement-underpriced"],
  [/nonce too low|nonce has already been used|oldnonce|nonce is too low|invalid nonce.*lower/i, "nonce-too-low"],
  [/nonce too high|nonce gap|noncegap|future nonce/i, "nonce-too-high"],
  [/underpriced|fee cap less than block base fee|max fee per gas less than block base fee|feetoolow|gas price too low|gas price below/i, "underpriced"],
  [/insufficient funds|insufficientfunds|lack of funds|upfront cost exceeds account balance/i, "insufficient-funds"],
  [/gas limit|intrinsic gas too (low|high)|exceeds block gas limit|out of gas/i, "gas-limit"],
  [/rate limit|too many requests/i, "rate-limited"],
  [/timeout|timed out/i, "timeout"],
];

export function classifyRpcMessage(message: string): SendErrorClass {
  for (const [pattern, errorClass] of MESSAGE_CLASSES) if (pattern.test(message)) return errorClass;
  return "unknown";
}

/** Class of an HTTP status that is not a JSON-RPC answer; such a request was not processed. */
export function classifyHttpStatus(status: number): SendErrorClass {
  if (status === 429) return "rate-limited";
  if (status === 408 || status === 504) return "timeout";
  return "unavailable";
}
