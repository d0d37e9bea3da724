/**
 * The funder's one send path: funding top-ups, contract deployments and per-account setup (token
 * mints) all go through here. Consecutive nonces from the node's pending nonce, JSON-RPC batches,
 * a balance check before anything is signed, and a wait until every transaction is mined
 * successfully. The funder sends only while a run initializes, and one run is live at a time, so
 * nothing else uses its nonces meanwhile.
 */
import type { Address, Hex } from "viem";
import type { LocalAccount } from "viem/accounts";
import { fetchPendingNonce } from "./node-queries";
import type { JsonRpcClient } from "./rpc";
import { FunderError } from "../errors";
import { waitForReceipts, type Receipt } from "./wait";
import { eip1559Fees } from "../tx/fees";
import { transactionHash } from "../tx/keccak";
import type { FeeQuote } from "../tx/types";

export interface FunderCall {
  /** Absent for a contract creation. */
  to?: Address;
  data?: Hex;
  value?: bigint;
  gas: bigint;
}

const BATCH = 200;
const MIN_MINING_TIMEOUT_MS = 120_000;
/** A long list takes blocks to mine: its wait grows with it. */
const MINING_MS_PER_CALL = 20;

export interface FunderSend {
  rpc: JsonRpcClient;
  funder: LocalAccount;
  chainId: number;
  fees: FeeQuote;
  /** What the calls are for, in errors ("funding 20 accounts"). */
  what: string;
  /** The nonce of the first call, when the caller planned with it (contract addresses); else the node's pending nonce. */
  nonce?: number;
  /** Asked between batches: a run that ended meanwhile sends no more. */
  stillLive?: () => boolean;
}

/** Sends `calls` in order and waits until all are mined; their receipts, in the same order. */
export async function sendFromFunder(send: FunderSend, calls: FunderCall[]): Promise<Receipt[]> {
  const { rpc, funder, chainId, fees, what } = send;
  if (calls.length === 0) return [];
  const cost = calls.reduce((sum, c) => sum + (c.value ?? 0n) + c.gas * BigInt(fees.maxFeePerGas), 0n);
  const balance = BigInt(await rpc.call<string>("eth_getBalance", [funder.address, "latest"]));
  if (balance < cost) throw new FunderError(`funder ${funder.address} holds ${balance} wei; ${what} needs up to ${cost} wei`);

  let nonce = send.nonce ?? (await fetchPendingNonce(rpc, funder.address));
  const hashes: string[] = [];
  for (let i = 0; i < calls.length; i += BATCH) {
    if (send.stillLive && !send.stillLive()) throw new FunderError(`the run ended during ${what}`);
    const signed = await Promise.all(
      calls.slice(i, i + BATCH).map((c) =>
        funder.signTransaction({ type: "eip1559", chainId, nonce: nonce++, to: c.to ?? null, value: c.value ?? 0n, data: c.data, gas: c.gas, ...eip1559Fees(fees) }),
      ),
    );
    const outcomes = await rpc.batch(signed.map((raw) => ({ method: "eth_sendRawTransaction", params: [raw] })));
    outcomes.forEach((o, k) => {
      if (!o.ok && o.error.errorClass !== "already-known") throw new FunderError(`${what}: a transaction was rejected: ${o.error.message}`);
      hashes.push(transactionHash(signed[k]));
    });
  }
  const receipts = await waitForReceipts(rpc, hashes, Math.max(MIN_MINING_TIMEOUT_MS, calls.length * MINING_MS_PER_CALL));
  const missing = hashes.filter((h) => !receipts.has(h)).length;
  const reverted = hashes.filter((h) => receipts.get(h) && receipts.get(h)!.status !== "0x1").length;
  if (missing > 0 || reverted > 0) throw new FunderError(`${what}: ${missing} transactions not mined in time, ${reverted} reverted`);
  return hashes.map((h) => receipts.get(h)!);
}
