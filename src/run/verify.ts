/**
 * On-chain verification at the end of a run (PRODUCT.md §12): reads every block of the run, counts
 * the senders' transactions, audits their nonces and checks that the node's pool holds nothing of
 * theirs. The result is stored with the run.
 */
import { JsonRpcClient, fromHex, toHex } from "../chain/rpc";
import { auditSender, senderIsClean, type SenderAudit } from "./audit";

export interface Verification {
  verified: boolean;
  fromBlock: number;
  toBlock: number;
  includedOnChain: number;
  txConfirmed: number;
  accountsChecked: number;
  accountsWithGaps: number;
  poolLeftovers: number;
  poolCheck: "txpool_content" | "nonce-compare";
  problems: string[];
}

export interface SenderStart {
  address: string;
  startNonce: number;
}

interface FullBlock {
  transactions: Array<{ from: string; nonce: string }>;
}

const BLOCK_BATCH = 25;
const MAX_PROBLEMS = 20;

export async function verifyRun(rpc: JsonRpcClient, fromBlock: number, toBlock: number, senders: SenderStart[], txConfirmed: number): Promise<Verification> {
  // A sender's transactions below its start nonce belong to an earlier run (mined late, e.g. after
  // a reset): they are not this run's to count.
  const startNonces = new Map(senders.map((s) => [s.address.toLowerCase(), s.startNonce]));
  const nonces = await includedNonces(rpc, fromBlock, toBlock, startNonces);
  const onChain = await nonceAt(rpc, senders.map((s) => s.address), toHex(toBlock));
  const audits: SenderAudit[] = senders.map((s, i) => auditSender(s.address, s.startNonce, nonces.get(s.address.toLowerCase()) ?? [], onChain[i]));
  const includedOnChain = audits.reduce((sum, a) => sum + a.included, 0);
  const pool = await poolLeftovers(rpc, senders.map((s) => s.address));

  const problems: string[] = [];
  if (includedOnChain !== txConfirmed) problems.push(`chain holds ${includedOnChain} load transactions, the run counted ${txConfirmed} confirmed`);
  for (const a of audits.filter((x) => !senderIsClean(x))) {
    problems.push(`${a.address}: gaps [${a.gaps.slice(0, 5).join(",")}] duplicates [${a.duplicates.slice(0, 5).join(",")}] outside range ${a.outsideRange}`);
  }
  if (pool.count > 0) problems.push(`${pool.count} transactions of the run's senders still in the node's pool`);
  return {
    verified: problems.length === 0,
    fromBlock,
    toBlock,
    includedOnChain,
    txConfirmed,
    accountsChecked: senders.length,
    accountsWithGaps: audits.filter((a) => !senderIsClean(a)).length,
    poolLeftovers: pool.count,
    poolCheck: pool.method,
    problems: problems.slice(0, MAX_PROBLEMS),
  };
}

async function includedNonces(rpc: JsonRpcClient, fromBlock: number, toBlock: number, startNonces: Map<string, number>): Promise<Map<string, number[]>> {
  const nonces = new Map<string, number[]>();
  for (let start = fromBlock; start <= toBlock; start += BLOCK_BATCH) {
    const calls = [];
    for (let n = start; n <= Math.min(toBlock, start + BLOCK_BATCH - 1); n++) calls.push({ method: "eth_getBlockByNumber", params: [toHex(n), true] });
    for (const outcome of await rpc.batch<FullBlock | null>(calls)) {
      if (!outcome.ok) throw outcome.error;
      for (const tx of outcome.result?.transactions ?? []) {
        const from = tx.from.toLowerCase();
        const start = startNonces.get(from);
        const nonce = fromHex(tx.nonce);
        if (start === undefined || nonce < start) continue;
        const list = nonces.get(from) ?? [];
        list.push(nonce);
        nonces.set(from, list);
      }
    }
  }
  return nonces;
}

async function nonceAt(rpc: JsonRpcClient, addresses: string[], block: string): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < addresses.length; i += 200) {
    const outcomes = await rpc.batch<string>(addresses.slice(i, i + 200).map((a) => ({ method: "eth_getTransactionCount", params: [a, block] })));
    for (const o of outcomes) {
      if (!o.ok) throw o.error;
      out.push(fromHex(o.result));
    }
  }
  return out;
}

type PoolContent = Record<"pending" | "queued", Record<string, Record<string, unknown>>>;

/** Pool entries of these senders: `txpool_content` where the node has it, else pending vs latest nonce. */
async function poolLeftovers(rpc: JsonRpcClient, addresses: string[]): Promise<{ count: number; method: Verification["poolCheck"] }> {
  const wanted = new Set(addresses.map((a) => a.toLowerCase()));
  try {
    const content = await rpc.call<PoolContent>("txpool_content", []);
    let count = 0;
    for (const section of [content.pending ?? {}, content.queued ?? {}]) {
      for (const [address, txs] of Object.entries(section)) if (wanted.has(address.toLowerCase())) count += Object.keys(txs).length;
    }
    return { count, method: "txpool_content" };
  } catch {
    const [pending, latest] = await Promise.all([nonceAt(rpc, addresses, "pending"), nonceAt(rpc, addresses, "latest")]);
    return { count: pending.reduce((sum, p, i) => sum + Math.max(0, p - latest[i]), 0), method: "nonce-compare" };
  }
}
