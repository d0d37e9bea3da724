/**
 * Every error class of the product, and the one place that decides which class an RPC or HTTP
 * failure belongs to. Counts per class are what TestMetrics `errors` reports.
 */

import { HTTPException } from "hono/http-exception";

/** An error the HTTP API turns into `{ error, details }` with its status (a 401 also says `WWW-Authenticate: Bearer`). */
export class ApiError extends HTTPException {
  declare readonly status: 400 | 401 | 404 | 409 | 413 | 415 | 422 | 503;

  constructor(
    status: 400 | 401 | 404 | 409 | 413 | 415 | 422 | 503,
    message: string,
    readonly details?: unknown,
  ) {
    super(status, { message });
    this.name = "ApiError";
  }
}

/** The funder could not do what a run's preparation needed (pay, deploy, mint): the run cannot start. */
export class FunderError extends Error {
  name = "FunderError";
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
  /** An answer came but cannot be used (a redirect, a body over the size limit, not JSON-RPC): not processed as far as we know. */
  | "bad-response"
  /** Mined, but its execution reverted: the nonce is used, the load is not done. */
  | "reverted"
  | "unknown";

/** A JSON-RPC error object returned by a node, or a transport failure, with its class. */
export class RpcError extends Error {
  constructor(
    readonly errorClass: SendErrorClass,
    message: string,
    readonly code?: number,
    /** From a `Retry-After` header: how long the endpoint asked us to wait, in ms. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = "RpcError";
  }
}

/**
 * Wording of anvil, geth, reth, erigon, nethermind and besu (as `eth_sendRawTransaction` answers
 * them; test/workers/fixtures/rpc-error-bodies.ts holds the bodies and where each came from), plus
 * the rate-limit and timeout texts gateways put inside a JSON-RPC error. The first pattern that
 * matches wins, so an entry comes before any whose words its messages also contain. Only the
 * message is read: codes are not reliable (-32000 means anything; besu's gas-limit error shares
 * -32005 with gateways' rate limits). Nethermind answers in either its names (`OldNonce`,
 * `NonceGap`, ...) or geth's phrases, depending on the release; erigon prefixes an import result
 * (`FEE_TOO_LOW: `, `INTERNAL_ERROR: `). A few alternatives (ethers, OpenEthereum, revm wording)
 * were here before the fixtures and are kept though no fixture needs them.
 */
const MESSAGE_CLASSES: ReadonlyArray<[RegExp, SendErrorClass]> = [
  // The node already holds this exact transaction, so it counts as sent. Ahead of everything else.
  // `\b` keeps anvil's "Unknown transaction type" out; erigon says "existing tx(n) with same hash".
  [/already known|already imported|\bknown transaction|alreadyknown|transaction already exists|existing txn? with same hash/i, "already-known"],
  // Must win over "underpriced" below: same-nonce replacements (erigon: "could not replace existing tx").
  [/replacement (transaction )?underpriced|replacement fee too low|replacementnotallowed|could not replace existing tx/i, "replacement-underpriced"],
  // The sender's nonce is stale and must be re-read from the node. besu "Nonce too low", nethermind "OldNonce".
  [/nonce too low|oldnonce|nonce is too low|nonce has already been used|invalid nonce.*lower/i, "nonce-too-low"],
  // A gap or a nonce too far ahead: nethermind "NonceGap" / "FutureNonce" / "nonce too far in future",
  // besu "Transaction nonce is too distant from current sender nonce".
  [/nonce too high|nonce ?gap|future ?nonce|nonce ?too ?far ?in ?future|nonce is too distant/i, "nonce-too-high"],
  // Fee below what the pool or the block asks: geth/reth "transaction underpriced", geth and besu
  // "gas price below ...", reth "priority fee below minimum", erigon "fee too low", nethermind "FeeTooLow".
  [/underpriced|fee cap less than block base fee|max fee per gas less than block base fee|fee ?too ?low|gas price too low|gas price below|priority fee below minimum/i, "underpriced"],
  // besu "Upfront cost exceeds account balance", nethermind "InsufficientFunds", revm "lack of funds".
  [/insufficient ?funds|lack of funds|upfront cost exceeds account balance/i, "insufficient-funds"],
  // Gas limit below intrinsic gas or above the block's / the tx cap. erigon "IntrinsicGas", besu
  // "Intrinsic gas exceeds gas limit", nethermind "GasLimitExceeded, Gas limit: ...".
  [/gas limit|intrinsic ?gas|out of gas/i, "gas-limit"],
  // Gateways: Infura "request rate limited" / "request rate exceeded", Alchemy "compute units per
  // second capacity", proxies relaying "429 Too Many Requests".
  [/rate limit|request rate exceeded|too many requests|compute units per second/i, "rate-limited"],
  // geth's HTTP write timeout ("request timed out", -32002) and proxies' upstream timeouts.
  [/timeout|timed out/i, "timeout"],
];

export function classifyRpcMessage(message: string): SendErrorClass {
  for (const [pattern, errorClass] of MESSAGE_CLASSES) if (pattern.test(message)) return errorClass;
  return "unknown";
}

/** Class of an HTTP status that is not a JSON-RPC answer; such a request was not processed. */
export function classifyHttpStatus(status: number): SendErrorClass {
  // Never followed: a 307/308 would re-POST signed transactions to whatever host it names.
  if (status >= 300 && status < 400) return "bad-response";
  if (status === 429) return "rate-limited";
  if (status === 408 || status === 504) return "timeout";
  return "unavailable";
}
