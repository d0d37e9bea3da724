/**
 * The sender pipeline of one account: reserve → build → sign → one JSON-RPC batch → commit,
 * roll back, or resolve. Stateless: the ledger, signer and client are handed in by the object.
 */
import { keccak256, type Hex } from "viem";
import type { LocalAccount } from "viem/accounts";
import { RpcError, type SendErrorClass } from "../errors";
import { fetchPendingNonce } from "../chain/node-queries";
import type { JsonRpcClient, RpcOutcome } from "../chain/rpc";
import { emptySketch, recordLatency, type SketchData } from "../metrics/latency-sketch";
import type { FeeQuote, TransactionBuilder } from "../tx/types";
import type { NonceLedger } from "./nonce-ledger";

export interface SentTx {
  hash: string;
  nonce: number;
  sentAt: number;
}

export interface FailedTx extends SentTx {
  errorClass: SendErrorClass;
  message: string;
}

export interface BurstResult {
  address: string;
  /** Every signed transaction handed to the node, whatever became of it. */
  attempted: number;
  /** Accepted by the node (or possibly accepted: outcome still unknown); now awaiting inclusion. */
  sent: SentTx[];
  /** Certainly not accepted. Their nonces were rolled back for reuse, or were already used. */
  failed: FailedTx[];
  sendLatency: SketchData;
}

export interface SenderDeps {
  ledger: NonceLedger;
  signer: LocalAccount;
  rpc: JsonRpcClient;
  chainId: number;
  build: TransactionBuilder;
}

interface SignedTx {
  nonce: number;
  raw: Hex;
  hash: string;
}

/** What a node's answer to eth_sendRawTransaction means for the nonce. */
export type Verdict = "accepted" | "nonce-used" | "rejected";

export function verdictOf(outcome: RpcOutcome): Verdict {
  if (outcome.ok) return "accepted";
  if (outcome.error.errorClass === "already-known") return "accepted";
  if (outcome.error.errorClass === "nonce-too-low") return "nonce-used";
  return "rejected";
}

export async function sendBurst(deps: SenderDeps, count: number, fees: FeeQuote): Promise<BurstResult> {
  // Reserve every nonce before the first await: other calls into the object may run at any await.
  const nonces = Array.from({ length: count }, () => deps.ledger.reserve());
  let signed: SignedTx[];
  try {
    signed = await Promise.all(nonces.map((nonce) => signOne(deps, nonce, fees)));
  } catch (err) {
    for (const nonce of nonces) deps.ledger.rollback(nonce);
    throw err;
  }
  const result: BurstResult = {
    address: deps.signer.address,
    attempted: signed.length,
    sent: [],
    failed: [],
    sendLatency: emptySketch(),
  };
  const sentAt = Date.now();
  let outcomes: RpcOutcome[];
  try {
    outcomes = await deps.rpc.batch(signed.map((s) => ({ method: "eth_sendRawTransaction", params: [s.raw] })));
  } catch (err) {
    const error = err instanceof RpcError ? err : new RpcError("unknown", String(err));
    await resolveUnknown(deps, signed, sentAt, error, result);
    return result;
  }
  recordLatency(result.sendLatency, Date.now() - sentAt, signed.length);

  const nonceUsed: SignedTx[] = [];
  signed.forEach((tx, i) => {
    const outcome = outcomes[i];
    const verdict = verdictOf(outcome);
    if (verdict === "accepted") {
      deps.ledger.commit(tx.nonce, tx.hash);
      result.sent.push({ hash: tx.hash, nonce: tx.nonce, sentAt });
      return;
    }
    const error = (outcome as { error: RpcError }).error;
    result.failed.push({ hash: tx.hash, nonce: tx.nonce, sentAt, errorClass: error.errorClass, message: error.message });
    if (verdict === "nonce-used") nonceUsed.push(tx);
    else deps.ledger.rollback(tx.nonce);
  });
  if (nonceUsed.length > 0) await confirmNoncesUsed(deps, nonceUsed);
  return result;
}

async function signOne(deps: SenderDeps, nonce: number, fees: FeeQuote): Promise<SignedTx> {
  const raw = await deps.signer.signTransaction(
    deps.build({ chainId: deps.chainId, nonce, fees, from: deps.signer.address }),
  );
  return { nonce, raw, hash: keccak256(raw) };
}

/**
 * "nonce too low" is worded differently by every client, so the text is not trusted alone: the
 * node's pending nonce decides. A nonce below it is used (by something else); one at or above it
 * was not, and goes back to be reused. The ledger's floor then follows the node.
 */
async function confirmNoncesUsed(deps: SenderDeps, txs: SignedTx[]): Promise<void> {
  let nodeNonce: number;
  try {
    nodeNonce = await fetchPendingNonce(deps.rpc, deps.signer.address);
  } catch {
    // Cannot ask: keep the nonces out of circulation until the next resolution (settle).
    for (const tx of txs) deps.ledger.rollback(tx.nonce);
    return;
  }
  for (const tx of txs) {
    if (tx.nonce >= nodeNonce) deps.ledger.rollback(tx.nonce);
    else deps.ledger.commit(tx.nonce, tx.hash);
  }
  deps.ledger.raiseFloor(nodeNonce);
}

/**
 * The batch's answer was lost: each transaction may or may not have reached the node. Ask it.
 * Known to the node → sent; unknown to it → rolled back and failed. If the node cannot be asked
 * either, the nonces stay `unknown` in the ledger and count as sent until settle resolves them.
 */
async function resolveUnknown(deps: SenderDeps, txs: SignedTx[], sentAt: number, cause: RpcError, result: BurstResult): Promise<void> {
  for (const tx of txs) deps.ledger.markUnknown(tx.nonce, tx.hash);
  const known = await lookUpTransactions(deps.rpc, txs.map((t) => t.hash));
  txs.forEach((tx, i) => {
    const found = known?.[i];
    if (found === undefined || found === true) {
      if (found) deps.ledger.commit(tx.nonce, tx.hash);
      result.sent.push({ hash: tx.hash, nonce: tx.nonce, sentAt });
    } else {
      deps.ledger.rollback(tx.nonce);
      result.failed.push({ hash: tx.hash, nonce: tx.nonce, sentAt, errorClass: cause.errorClass, message: cause.message });
    }
  });
}

/** For each hash: does the node know it (pool or chain)? `undefined` when the node cannot be asked. */
export async function lookUpTransactions(rpc: JsonRpcClient, hashes: string[]): Promise<boolean[] | undefined> {
  try {
    const outcomes = await rpc.batch(hashes.map((h) => ({ method: "eth_getTransactionByHash", params: [h] })));
    if (outcomes.some((o) => !o.ok)) return undefined;
    return outcomes.map((o) => (o as { result: unknown }).result != null);
  } catch {
    return undefined;
  }
}
