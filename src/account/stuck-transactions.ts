/**
 * Transactions that are sent but not mined: re-broadcast byte for byte, replaced at the same nonce
 * with a fee bump, or, at the end of a run, closed with a self-transfer.
 */
import { parseTransaction, type Hex, type TransactionSerializable, type TransactionSerializableEIP1559, type TransactionSerializableEIP7702 } from "viem";
import { RpcError } from "../errors";
import type { RpcOutcome } from "../chain/rpc";
import { recordLatency } from "../metrics/latency-sketch";
import { transactionHash } from "../tx/keccak";
import type { FeeQuote, TransactionBuilder } from "../tx/types";
import type { SignedSlot } from "./nonce-ledger";
import { AMBIGUOUS, countError, countRequest, emptyBurst, verdictOf, type BurstResult, type SenderDeps } from "./send-burst";

/**
 * Sends transactions the ledger already holds as sent again, byte for byte (the node lost them or
 * sits on them). Their ledger state does not change whatever the node answers: "already known"
 * and "nonce too low" (mined meanwhile) are what a healthy node says, and a refusal is left to the
 * stuck-transaction handling. Only the request and its errors are reported: a re-broadcast is not a
 * new send.
 */
export async function rebroadcastRaw(deps: SenderDeps, raws: string[]): Promise<BurstResult> {
  const result = emptyBurst(deps.signer.address);
  if (raws.length === 0) return result;
  const started = Date.now();
  try {
    const outcomes = await deps.rpc.batch(raws.map((raw) => ({ method: "eth_sendRawTransaction", params: [raw] })));
    countRequest(result);
    recordLatency(result.sendLatency, Date.now() - started, raws.length);
    for (const o of outcomes) if (!o.ok && verdictOf(o) === "rejected") countError(result, o.error.errorClass, 1);
  } catch (err) {
    const error = err instanceof RpcError ? err : new RpcError("unknown", String(err));
    countRequest(result, error);
    countError(result, error.errorClass, raws.length);
  }
  return result;
}

/**
 * The payload only: the parsed transaction also carries the old signature, which must not travel
 * into the new one. A type-4 transaction keeps its authorizations (the delegation is its load).
 */
function samePayload(old: TransactionSerializable, fields: { chainId: number; nonce: number; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }): TransactionSerializable {
  const payload = { ...fields, to: old.to, value: old.value, gas: old.gas, data: old.data, accessList: old.accessList };
  return old.type === "eip7702"
    ? ({ ...payload, type: "eip7702", authorizationList: old.authorizationList } satisfies TransactionSerializableEIP7702)
    : ({ ...payload, type: "eip1559" } satisfies TransactionSerializableEIP1559);
}

/** +12.5 %: above the replacement rule of every client (geth, reth, erigon, besu, nethermind: 10 %). */
const bump = (v: bigint) => v + v / 8n + 1n;
const max = (a: bigint, b: bigint) => (a > b ? a : b);

/**
 * Replaces stuck sent transactions at the same nonce: with the same payload and higher fees, or,
 * when `close` is given, with a 0-value self-transfer that just uses up the nonce. Fees are the
 * higher of a 12.5 % bump and today's quote. Accepted replacements become the slot's transaction.
 */
export async function replaceStuck(deps: SenderDeps, slots: SignedSlot[], fees: FeeQuote, close?: TransactionBuilder): Promise<BurstResult> {
  const result = emptyBurst(deps.signer.address);
  const signed = await Promise.all(
    slots.map(async (slot) => {
      const old = parseTransaction(slot.raw as Hex) as TransactionSerializableEIP1559 & { gasPrice?: bigint };
      // A legacy original (a layer that needs type 0) carries its fee cap as gasPrice.
      const maxFeePerGas = max(bump(old.maxFeePerGas ?? old.gasPrice ?? 0n), BigInt(fees.maxFeePerGas));
      const maxPriorityFeePerGas = max(bump(old.maxPriorityFeePerGas ?? 0n), BigInt(fees.maxPriorityFeePerGas));
      const bumped = { maxFeePerGas: maxFeePerGas.toString(), maxPriorityFeePerGas: maxPriorityFeePerGas.toString() };
      const tx = close
        ? close({ chainId: deps.chainId, nonce: slot.nonce, fees: bumped, from: deps.signer.address })
        : samePayload(old, { chainId: deps.chainId, nonce: slot.nonce, maxFeePerGas, maxPriorityFeePerGas });
      const raw = await deps.signer.signTransaction(tx);
      return { slot, raw, hash: transactionHash(raw) };
    }),
  );
  if (signed.length === 0) return result;
  const sentAt = Date.now();
  // A replacement whose answer is lost may still be at the node: report it all the same. The
  // tracker then knows its hash if it is mined; one that never is just ends with its record.
  const reportAmbiguous = ({ slot, hash }: (typeof signed)[number]) => {
    if (close) result.sent.push({ hash, nonce: slot.nonce, sentAt });
    else (result.replaced ??= []).push({ nonce: slot.nonce, oldHash: slot.txHash, hash });
  };
  let outcomes: RpcOutcome[];
  try {
    outcomes = await deps.rpc.batch(signed.map((s) => ({ method: "eth_sendRawTransaction", params: [s.raw] })));
  } catch (err) {
    const error = err instanceof RpcError ? err : new RpcError("unknown", String(err));
    countRequest(result, error);
    countError(result, error.errorClass, signed.length);
    signed.forEach(reportAmbiguous);
    return result;
  }
  countRequest(result);
  recordLatency(result.sendLatency, Date.now() - sentAt, signed.length);
  signed.forEach((entry, i) => {
    const { slot, raw, hash } = entry;
    const outcome = outcomes[i];
    if (!outcome.ok && AMBIGUOUS.has(outcome.error.errorClass)) {
      countError(result, outcome.error.errorClass, 1);
      reportAmbiguous(entry);
      return;
    }
    if (verdictOf(outcome) !== "accepted") {
      // "nonce too low": the original was mined meanwhile, which is what we wanted.
      if (!outcome.ok && outcome.error.errorClass !== "nonce-too-low") countError(result, outcome.error.errorClass, 1);
      return;
    }
    deps.ledger.replaceSent(slot.nonce, hash, raw);
    if (close) result.sent.push({ hash, nonce: slot.nonce, sentAt });
    else (result.replaced ??= []).push({ nonce: slot.nonce, oldHash: slot.txHash, hash });
  });
  return result;
}
