/**
 * The tests' own audit of the chain, written apart from the product's verification so that it can
 * catch the product's mistakes: it reads every block (the product reads nonces only). Every
 * non-funder transaction mined after `fromBlock` is a sender's; per sender the mined nonces must
 * run exactly from its nonce at `fromBlock` to its nonce at the head; the pool must be empty.
 * PRODUCT.md §13 in test form: senderTransactions = txConfirmed + housekeeping.confirmed (+ the
 * reverted), and each sender's final nonce = its ledger's next nonce.
 */
import { jsonRpc } from "../../scripts/lib/json-rpc";

/** The anvil dev account 0, which funds the senders: its transfers are not load. */
export const DEV_FUNDER = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";

export interface ChainAudit {
  /** Non-funder transactions counted in the blocks after `fromBlock`. */
  loadTransactions: number;
  /** Σ over the senders of the nonces mined in range: nonce at the head − nonce at `fromBlock`. */
  senderTransactions: number;
  senders: number;
  /** Per sender (lower-cased), its nonce at the head: the next nonce its ledger must hold. */
  finalNonces: Record<string, number>;
  gaps: string[];
  poolPending: number;
  poolQueued: number;
}

const hex = (n: number) => `0x${n.toString(16)}`;

/** `addresses`: senders to audit even if none of their transactions was mined in range. */
export async function auditChain(rpcUrl: string, fromBlock: number, addresses: string[] = []): Promise<ChainAudit> {
  const head = Number(await jsonRpc<string>(rpcUrl, "eth_blockNumber"));
  const nonces = new Map<string, number[]>();
  for (let n = fromBlock + 1; n <= head; n++) {
    const block = await jsonRpc<{ transactions: Array<{ from: string; nonce: string }> }>(rpcUrl, "eth_getBlockByNumber", [hex(n), true]);
    for (const tx of block.transactions) {
      const from = tx.from.toLowerCase();
      if (from === DEV_FUNDER) continue;
      nonces.set(from, [...(nonces.get(from) ?? []), Number(tx.nonce)]);
    }
  }
  for (const address of addresses) if (!nonces.has(address.toLowerCase())) nonces.set(address.toLowerCase(), []);
  const gaps: string[] = [];
  const finalNonces: Record<string, number> = {};
  let loadTransactions = 0;
  let senderTransactions = 0;
  for (const [address, list] of nonces) {
    loadTransactions += list.length;
    const start = Number(await jsonRpc<string>(rpcUrl, "eth_getTransactionCount", [address, hex(fromBlock)]));
    const end = Number(await jsonRpc<string>(rpcUrl, "eth_getTransactionCount", [address, hex(head)]));
    finalNonces[address] = end;
    senderTransactions += end - start;
    const sorted = [...list].sort((a, b) => a - b);
    const expected = Array.from({ length: end - start }, (_, i) => start + i);
    if (JSON.stringify(sorted) !== JSON.stringify(expected)) gaps.push(`${address}: mined ${sorted.length} nonces, expected ${start}..${end - 1}`);
  }
  const pool = await jsonRpc<{ pending: string; queued: string }>(rpcUrl, "txpool_status");
  return { loadTransactions, senderTransactions, senders: nonces.size, finalNonces, gaps, poolPending: Number(pool.pending), poolQueued: Number(pool.queued) };
}
