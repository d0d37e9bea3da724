/**
 * On-chain verification at the end of a run (PRODUCT.md §12): asks the node, per sender, for its
 * nonce at the run's last block and for what the pool still holds of it, then judges the figures
 * (audit.ts). A few calls per sender, however many transactions the run sent: reading every block
 * of an hour at 1,000 tps would be millions of transactions.
 */
import { JsonRpcClient, fromHex, toHex } from "../chain/rpc";
import { auditSender, judgeRun, poolEntriesAtOrAbove, sendersInPool, type ExpectedCounts, type PoolContent, type SenderStart, type Verification } from "./audit";

export type { ExpectedCounts, SenderStart, Verification } from "./audit";

export interface VerifyRequest {
  fromBlock: number;
  toBlock: number;
  senders: SenderStart[];
  expected: ExpectedCounts;
}

/** Calls per JSON-RPC batch: within what public endpoints accept, whatever the client does. */
export const NONCE_BATCH = 500;

export async function verifyRun(rpc: JsonRpcClient, request: VerifyRequest): Promise<Verification> {
  const { fromBlock, toBlock, senders, expected } = request;
  const addresses = senders.map((s) => s.address);
  const finalNonces = await nonceAt(rpc, addresses, toHex(toBlock));
  const pool = await poolLeftovers(rpc, addresses);
  const audits = senders.map((s, i) => auditSender(s, finalNonces[i], pool.counts.get(s.address.toLowerCase()) ?? 0));
  return judgeRun({ fromBlock, toBlock }, audits, expected, pool.method);
}

async function nonceAt(rpc: JsonRpcClient, addresses: string[], block: string): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < addresses.length; i += NONCE_BATCH) {
    const outcomes = await rpc.batch<string>(addresses.slice(i, i + NONCE_BATCH).map((a) => ({ method: "eth_getTransactionCount", params: [a, block] })));
    for (const o of outcomes) {
      if (!o.ok) throw o.error;
      out.push(fromHex(o.result));
    }
  }
  return out;
}

/**
 * Pool entries of these senders, per lower-cased address: from `txpool_content` those at or above
 * the sender's mined nonce (stale entries of mined or replaced transactions are not leftovers);
 * where the node has no `txpool_content`, pending vs latest nonce (blind to a queued section).
 */
async function poolLeftovers(rpc: JsonRpcClient, addresses: string[]): Promise<{ counts: Map<string, number>; method: Verification["poolCheck"] }> {
  let content: PoolContent;
  try {
    content = await rpc.call<PoolContent>("txpool_content", []);
  } catch {
    const [pending, latest] = await Promise.all([nonceAt(rpc, addresses, "pending"), nonceAt(rpc, addresses, "latest")]);
    const counts = new Map(addresses.map((a, i) => [a.toLowerCase(), Math.max(0, pending[i] - latest[i])]));
    return { counts, method: "nonce-compare" };
  }
  // Only senders the pool lists need their mined nonce: usually none at all. Asked after the pool,
  // so that an entry mined in between is seen below the mined nonce rather than as a leftover.
  const listed = sendersInPool(content ?? {}, addresses);
  const mined = await nonceAt(rpc, listed, "latest");
  return { counts: poolEntriesAtOrAbove(content ?? {}, new Map(listed.map((a, i) => [a, mined[i]]))), method: "txpool_content" };
}
