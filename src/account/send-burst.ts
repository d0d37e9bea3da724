/**
 * The sender pipeline of one account: reserve → build → sign → one JSON-RPC batch → commit,
 * roll back, or ask the node. Stateless: the ledger, signer and client are handed in by the object.
 *
 * Retries re-send the very same signed bytes. That makes them safe whatever happened to the first
 * request: a node that did receive it answers "already known" (or, once mined, "nonce too low",
 * which the hash look-up then settles). No second transaction is ever signed for a nonce unless the
 * node has said the first one is not there.
 */
import type { Hex } from "viem";
import type { LocalAccount } from "viem/accounts";
import { RpcError, type SendErrorClass } from "../errors";
import { fetchPendingNonce } from "../chain/node-queries";
import { DEFAULT_RETRY, retryDelay, type RetryPolicy } from "../chain/retry";
import type { JsonRpcClient, RpcOutcome } from "../chain/rpc";
import { sleep, yieldToEventLoop } from "../chain/wait";
import { emptySketch, recordLatency, type SketchData } from "../metrics/latency-sketch";
import type { BuildTransaction, FeeQuote, TransactionType } from "../tx/types";
import { transactionHash } from "../tx/keccak";
import type { NonceLedger } from "./nonce-ledger";

export interface SentTx {
  hash: string;
  nonce: number;
  sentAt: number;
  /** A gap fill or a closing self-transfer: keeps the account's nonces whole, is not load (PRODUCT.md §13). */
  housekeeping?: boolean;
  /** The load type it was built as. */
  type?: TransactionType;
}

export interface FailedTx extends SentTx {
  errorClass: SendErrorClass;
  message: string;
}

/** The HTTP requests carrying eth_sendRawTransaction that one call made: what the rate limiter reads. */
export interface SendRequests {
  /** Requests sent, retries included. */
  sent: number;
  /** Of those, refused for rate (HTTP 429, or a whole-batch rate-limit error). */
  rateLimited: number;
  /** The longest `Retry-After` those refusals asked for, in ms (0: none asked). */
  maxRetryAfterMs: number;
}

export interface BurstResult {
  address: string;
  /** At the node (accepted, already known) or possibly so (outcome still unknown): awaiting inclusion. */
  sent: SentTx[];
  /**
   * Send failures: certainly not at the node, because the node refused them (nonce, fee, funds,
   * gas) or because no attempt got through and the node then did not have them. Their nonces were
   * rolled back for reuse, or were already used. The circuit breaker's failures.
   */
  failed: FailedTx[];
  /** New transactions this call submitted (not re-broadcasts or replacements): the breaker's sends. */
  submitted: number;
  /** Failed tries per class, retried or final: TestMetrics `errors`. */
  attemptErrors: Partial<Record<SendErrorClass, number>>;
  /**
   * Tries per class that got no usable answer (dropped, timed out, 429, 503) and were tried again
   * with the same bytes: TestMetrics `retries`. A retry is not a send failure.
   */
  retries: Partial<Record<SendErrorClass, number>>;
  requests: SendRequests;
  sendLatency: SketchData;
  /** Stuck transactions replaced by a fee-bumped one at the same nonce: either may be mined. */
  replaced?: Array<{ nonce: number; oldHash: string; hash: string }>;
  /** Tips drawn for the transactions signed, per histogram bucket (realistic pattern). */
  tips?: number[];
  /** Transactions not sent because they were signed after the call's `sendBy`; their nonces went back. */
  unsent?: number;
}

export interface SenderDeps {
  ledger: NonceLedger;
  signer: LocalAccount;
  rpc: JsonRpcClient;
  chainId: number;
  /** Called once per nonce, in nonce order, before the first await of the call. */
  build: BuildTransaction;
  retry?: RetryPolicy;
}

export interface SignedTx {
  nonce: number;
  raw: Hex;
  hash: string;
  type?: TransactionType;
}

/** What a node's answer to eth_sendRawTransaction means for the nonce. */
export type Verdict = "accepted" | "nonce-used" | "rejected";

export function verdictOf(outcome: RpcOutcome): Verdict {
  if (outcome.ok) return "accepted";
  if (outcome.error.errorClass === "already-known") return "accepted";
  if (outcome.error.errorClass === "nonce-too-low") return "nonce-used";
  return "rejected";
}

export function emptyBurst(address: string): BurstResult {
  return {
    address,
    sent: [],
    failed: [],
    submitted: 0,
    attemptErrors: {},
    retries: {},
    requests: { sent: 0, rateLimited: 0, maxRetryAfterMs: 0 },
    sendLatency: emptySketch(),
  };
}

/** Marks every transaction of `result` as housekeeping. */
export function asHousekeeping<R extends BurstResult>(result: R): R {
  return {
    ...result,
    sent: result.sent.map((tx) => ({ ...tx, housekeeping: true })),
    failed: result.failed.map((tx) => ({ ...tx, housekeeping: true })),
  };
}

/**
 * Signatures between two yields to the event loop. Each yield lets other requests in (the status
 * route, the coordinator), but what they wait for is the queue of every object's pending chunk, and
 * a yield costs far more than a signature: in `npm run bench` (one isolate, 200 objects), chunks of
 * 8 fell to 0.09 × the ceiling at 1,570 µs of CPU per transaction with status p99 2.4 s; 25 gave
 * 0.34 × at 352 µs, p99 1.9 s; 50 gave 0.37 × twice, at 327 and 333 µs, p99 1.2 and 1.8 s; 100 gave
 * 0.26 × at 461 µs (runs vary by about a quarter).
 */
export const SIGN_CHUNK = 50;

/**
 * Sends `count` transactions: `preSigned` first (the signed-ahead window's, already reserved and
 * signed, in nonce order), then fresh ones reserved and signed now. With `sendBy` (ms since the
 * epoch), a call that could not sign them before that instant (an overloaded isolate, a late
 * tick) sends nothing and gives the nonces back: a run's sending ends on time, whatever queued up.
 */
export async function sendBurst(deps: SenderDeps, count: number, fees: FeeQuote, sendBy?: number, preSigned: SignedTx[] = []): Promise<BurstResult> {
  const { signed, sentAt, unsent } = await signReserved(deps, count, fees, undefined, sendBy, preSigned);
  const result = await submit(deps, signed, sentAt);
  return unsent > 0 ? { ...result, unsent } : result;
}

/**
 * Reserves `count` nonces (less those of `preSigned`), signs them, and records every hash and raw
 * bytes in the ledger (as `unknown`, claimed by this call) before anything leaves: from here only
 * the node can say what became of them. `sentAt` is recorded with them (default: now, once
 * signed). Past `sendBy`, every nonce goes back and `unsent` says how many.
 */
export async function signReserved(
  deps: SenderDeps,
  count: number,
  fees: FeeQuote,
  sentAt?: number,
  sendBy = Number.POSITIVE_INFINITY,
  preSigned: SignedTx[] = [],
): Promise<{ signed: SignedTx[]; sentAt: number; unsent: number }> {
  const tooLate = (reserved: number[]) => {
    deps.ledger.release(reserved);
    return { signed: [], sentAt: Date.now(), unsent: count };
  };
  const ahead = preSigned.map((tx) => tx.nonce);
  if (count > 0 && Date.now() > sendBy) return tooLate(ahead);
  let fresh: SignedTx[] | undefined;
  try {
    fresh = await signFresh(deps, count - preSigned.length, fees, sendBy);
  } catch (err) {
    deps.ledger.release(ahead);
    throw err;
  }
  // Past the instant while signing: the fresh nonces went back already, the window's go now.
  if (!fresh) return tooLate(ahead);
  const signed = [...preSigned, ...fresh];
  if (Date.now() > sendBy) return tooLate(signed.map((tx) => tx.nonce));
  const at = sentAt ?? Date.now();
  deps.ledger.markSignedMany(signed, at);
  return { signed, sentAt: at, unsent: 0 };
}

/**
 * Reserves `count` fresh nonces and signs a transaction for each; they stay `reserved` in the
 * ledger (a failure gives them back). Everything is reserved and built before the first await:
 * other calls into the object may run at any await, and the builders' counters must advance in
 * nonce order. `undefined` once `sendBy` passes between two chunks: the rest is not signed (the
 * CPU goes to sends that can still leave) and the nonces are given back.
 */
export async function signFresh(deps: SenderDeps, count: number, fees: FeeQuote, sendBy = Number.POSITIVE_INFINITY): Promise<SignedTx[] | undefined> {
  const nonces = deps.ledger.reserveMany(count);
  let signed: SignedTx[] | undefined;
  try {
    const built = nonces.map((nonce) => deps.build({ chainId: deps.chainId, nonce, fees, from: deps.signer.address }));
    signed = await signInChunks(deps.signer, nonces, built, sendBy);
  } catch (err) {
    for (const nonce of nonces) deps.ledger.rollback(nonce);
    throw err;
  }
  if (!signed) deps.ledger.release(nonces);
  return signed;
}

/**
 * Signs in chunks with a yield to the event loop between them. Signing is pure CPU: without the
 * yields one large burst holds the isolate, and every other request to it (the status route, the
 * coordinator's tick) waits behind the whole burst.
 */
async function signInChunks(signer: LocalAccount, nonces: number[], built: ReturnType<BuildTransaction>[], sendBy: number): Promise<SignedTx[] | undefined> {
  const signed: SignedTx[] = [];
  for (let start = 0; start < nonces.length; start += SIGN_CHUNK) {
    if (start > 0) {
      await yieldToEventLoop();
      // The clock moves across the yield (in Workers, only across I/O and timers).
      if (Date.now() > sendBy) return undefined;
    }
    const end = Math.min(nonces.length, start + SIGN_CHUNK);
    for (let i = start; i < end; i++) {
      const { tx, type } = await built[i];
      const raw = await signer.signTransaction(tx);
      signed.push({ nonce: nonces[i], raw, hash: transactionHash(raw), type });
    }
  }
  return signed;
}

/** Submits signed transactions in one go (the client splits above 500 calls) and settles each in the ledger. */
export async function submit(deps: SenderDeps, signed: SignedTx[], sentAt: number): Promise<BurstResult> {
  try {
    return await submitOnce(deps, signed, sentAt);
  } finally {
    // Whatever went wrong, no nonce stays claimed by a submission that is over.
    for (const tx of signed) deps.ledger.handOver(tx.nonce, tx.hash);
  }
}

async function submitOnce(deps: SenderDeps, signed: SignedTx[], sentAt: number): Promise<BurstResult> {
  const result = emptyBurst(deps.signer.address);
  if (signed.length === 0) return result;
  result.submitted = signed.length;
  const policy = deps.retry ?? DEFAULT_RETRY;
  let lastError: RpcError | undefined;
  for (let attempt = 0; attempt < policy.maxAttempts; attempt++) {
    if (attempt > 0) {
      // The previous try is retried: a retry, not (yet) a failure.
      countRetry(result, lastError!.errorClass, signed.length);
      await sleep(retryDelay(policy, attempt, lastError));
    }
    const started = Date.now();
    let outcomes: RpcOutcome[];
    try {
      outcomes = await deps.rpc.batch(signed.map((s) => ({ method: "eth_sendRawTransaction", params: [s.raw] })));
    } catch (err) {
      lastError = err instanceof RpcError ? err : new RpcError("unknown", String(err));
      countRequest(result, lastError);
      countError(result, lastError.errorClass, signed.length);
      continue;
    }
    countRequest(result);
    recordLatency(result.sendLatency, Date.now() - started, signed.length);
    await settleAnswers(deps, signed, outcomes, sentAt, result);
    return result;
  }
  await settleUnanswered(deps, signed, sentAt, lastError!, result);
  return result;
}

/** Per-call errors that do not say the node refused: the call may have been processed. */
export const AMBIGUOUS: ReadonlySet<SendErrorClass> = new Set(["timeout", "connection"]);

async function settleAnswers(deps: SenderDeps, signed: SignedTx[], outcomes: RpcOutcome[], sentAt: number, result: BurstResult): Promise<void> {
  const nonceUsed: SignedTx[] = [];
  const unanswered: SignedTx[] = [];
  const accepted: SignedTx[] = [];
  let ambiguity: RpcError | undefined;
  signed.forEach((tx, i) => {
    const outcome = outcomes[i];
    if (!outcome.ok && AMBIGUOUS.has(outcome.error.errorClass)) {
      countError(result, outcome.error.errorClass, 1);
      unanswered.push(tx);
      ambiguity = outcome.error;
      return;
    }
    const verdict = verdictOf(outcome);
    if (verdict === "accepted") {
      accepted.push(tx);
      result.sent.push({ hash: tx.hash, nonce: tx.nonce, type: tx.type, sentAt });
      return;
    }
    const error = (outcome as { error: RpcError }).error;
    countError(result, error.errorClass, 1);
    if (verdict === "nonce-used") {
      nonceUsed.push(tx);
      return;
    }
    deps.ledger.rollback(tx.nonce, tx.hash);
    result.failed.push({ hash: tx.hash, nonce: tx.nonce, type: tx.type, sentAt, errorClass: error.errorClass, message: error.message });
  });
  commitAll(deps.ledger, accepted);
  if (nonceUsed.length > 0) await settleNonceUsed(deps, nonceUsed, sentAt, result);
  if (unanswered.length > 0) await settleUnanswered(deps, unanswered, sentAt, ambiguity!, result);
}

/** Commits in one statement; a slot that no longer holds its transaction (a reset fenced it off) fails the call, as `commit` does. */
function commitAll(ledger: NonceLedger, txs: SignedTx[]): void {
  const stale = ledger.commitMany(txs);
  if (stale.length > 0) throw new Error(`nonces ${stale.map((t) => t.nonce).join(", ")}: cannot move to sent (no longer holding this submission's transaction)`);
}

/**
 * "nonce too low" is worded differently by every client and, on a re-send, may mean our own
 * transaction was mined meanwhile. So the text decides nothing: a hash the node knows is ours and
 * sent; otherwise the node's pending nonce says whether the nonce is used (by something else) or
 * free again, and the ledger's floor follows the node.
 */
async function settleNonceUsed(deps: SenderDeps, txs: SignedTx[], sentAt: number, result: BurstResult): Promise<void> {
  const known = await lookUpTransactions(deps.rpc, txs.map((t) => t.hash));
  let nodeNonce: number | undefined;
  try {
    nodeNonce = await fetchPendingNonce(deps.rpc, deps.signer.address);
  } catch {
    nodeNonce = undefined;
  }
  txs.forEach((tx, i) => {
    if (known === undefined) {
      // The node cannot be asked: it may be ours, mined. Leave it unknown for a later look-up.
      deps.ledger.handOver(tx.nonce, tx.hash);
      result.sent.push({ hash: tx.hash, nonce: tx.nonce, type: tx.type, sentAt });
      return;
    }
    if (known[i]) {
      deps.ledger.commit(tx.nonce, tx.hash);
      result.sent.push({ hash: tx.hash, nonce: tx.nonce, type: tx.type, sentAt });
      return;
    }
    const message = "nonce too low: the nonce was used by another transaction";
    result.failed.push({ hash: tx.hash, nonce: tx.nonce, type: tx.type, sentAt, errorClass: "nonce-too-low", message });
    // Without an answer from the node the nonce goes back; a wrong guess costs one more refusal.
    if (nodeNonce !== undefined && tx.nonce < nodeNonce) deps.ledger.consume(tx.nonce, tx.hash);
    else deps.ledger.rollback(tx.nonce, tx.hash);
  });
  if (nodeNonce !== undefined) deps.ledger.raiseFloor(nodeNonce);
}

/**
 * No attempt got an answer. Ask the node about each transaction: known → sent; not known → it is
 * not there, the nonce is rolled back and reused. If the node cannot be asked either, the slots
 * stay `unknown` and the transactions count as sent until the ledger resolves them.
 */
async function settleUnanswered(deps: SenderDeps, signed: SignedTx[], sentAt: number, cause: RpcError, result: BurstResult): Promise<void> {
  const known = await lookUpTransactions(deps.rpc, signed.map((t) => t.hash));
  signed.forEach((tx, i) => {
    const found = known?.[i];
    if (found === false) {
      deps.ledger.rollback(tx.nonce, tx.hash);
      result.failed.push({ hash: tx.hash, nonce: tx.nonce, type: tx.type, sentAt, errorClass: cause.errorClass, message: cause.message });
      return;
    }
    if (found) deps.ledger.commit(tx.nonce, tx.hash);
    else deps.ledger.handOver(tx.nonce, tx.hash);
    result.sent.push({ hash: tx.hash, nonce: tx.nonce, type: tx.type, sentAt });
  });
}

export function countError(result: BurstResult, errorClass: SendErrorClass, n: number): void {
  result.attemptErrors[errorClass] = (result.attemptErrors[errorClass] ?? 0) + n;
}

function countRetry(result: BurstResult, errorClass: SendErrorClass, n: number): void {
  result.retries[errorClass] = (result.retries[errorClass] ?? 0) + n;
}

/** One send request went out; `error` if it got no usable answer. */
export function countRequest(result: BurstResult, error?: RpcError): void {
  result.requests.sent += 1;
  if (error?.errorClass !== "rate-limited") return;
  result.requests.rateLimited += 1;
  result.requests.maxRetryAfterMs = Math.max(result.requests.maxRetryAfterMs, error.retryAfterMs ?? 0);
}

/** For each hash: does the node know it (pool or chain)? `undefined` when the node cannot be asked. */
export async function lookUpTransactions(rpc: JsonRpcClient, hashes: string[]): Promise<boolean[] | undefined> {
  if (hashes.length === 0) return [];
  try {
    const outcomes = await rpc.batch(hashes.map((h) => ({ method: "eth_getTransactionByHash", params: [h] })));
    if (outcomes.some((o) => !o.ok)) return undefined;
    return outcomes.map((o) => (o as { result: unknown }).result != null);
  } catch {
    return undefined;
  }
}
