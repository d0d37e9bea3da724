/** The handful of node queries the load generator needs, each with its fallback rule. */
import { RpcError } from "../errors";
import { JsonRpcClient, fromHex, toHex } from "./rpc";

/**
 * The next nonce the node expects from `address`: the builder's view (`eth_getPendingNonce`)
 * first, then the pool-inclusive `eth_getTransactionCount(address, "pending")` (PRODUCT.md §5).
 */
export async function fetchPendingNonce(rpc: JsonRpcClient, address: string): Promise<number> {
  try {
    return fromHex(await rpc.call<string>("eth_getPendingNonce", [address]));
  } catch {
    return fromHex(await rpc.call<string>("eth_getTransactionCount", [address, "pending"]));
  }
}

export interface BlockHeader {
  number: number;
  timestamp: number;
  gasUsed: bigint;
  gasLimit: bigint;
  baseFeePerGas: bigint;
  transactions: string[];
}

interface RawBlock {
  number: string;
  timestamp: string;
  gasUsed: string;
  gasLimit: string;
  baseFeePerGas?: string;
  transactions: Array<string | { hash: string }>;
}

export function parseBlock(raw: RawBlock): BlockHeader {
  return {
    number: fromHex(raw.number),
    timestamp: fromHex(raw.timestamp),
    gasUsed: BigInt(raw.gasUsed),
    gasLimit: BigInt(raw.gasLimit),
    baseFeePerGas: BigInt(raw.baseFeePerGas ?? "0x0"),
    transactions: raw.transactions.map((t) => (typeof t === "string" ? t : t.hash)),
  };
}

/**
 * Blocks `from`..`to` inclusive (hashes only), in one batch, up to the first one the node does not
 * return (a lagging backend): the caller resumes from there, so no block is ever skipped.
 */
export async function fetchBlocks(rpc: JsonRpcClient, from: number, to: number): Promise<BlockHeader[]> {
  const calls = [];
  for (let n = from; n <= to; n++) calls.push({ method: "eth_getBlockByNumber", params: [toHex(n), false] });
  const outcomes = await rpc.batch<RawBlock | null>(calls);
  const blocks: BlockHeader[] = [];
  for (const o of outcomes) {
    if (!o.ok) throw o.error;
    if (!o.result) break;
    blocks.push(parseBlock(o.result));
  }
  return blocks;
}

export async function fetchLatestBlock(rpc: JsonRpcClient): Promise<BlockHeader> {
  return parseBlock(await rpc.call<RawBlock>("eth_getBlockByNumber", ["latest", false]));
}

const maxOf = (a: bigint, b: bigint) => (a > b ? a : b);

/**
 * Fee cap per PRODUCT.md §4: 2 × max(eth_gasPrice, base fee), never below base fee + tip.
 *
 * A legacy transaction (`legacy`, a layer that needs type 0) pays its cap in full, as gas price. A
 * node whose eth_gasPrice follows the tips recently paid (anvil, geth's oracle) would then answer
 * about twice the last quote, and the quote would double every block while our load fills them.
 * So the legacy cap is max(eth_gasPrice, 2 × base fee + tip): the same room above the base fee,
 * a price such an oracle settles on instead of chasing, and never below what a node with its own
 * pricer (cdk-erigon's L2 gas price, no base fee) asks.
 */
export function feeCap(gasPrice: bigint, baseFee: bigint, tip: bigint, legacy = false): bigint {
  if (legacy) return maxOf(gasPrice, 2n * baseFee + tip);
  return maxOf(2n * maxOf(gasPrice, baseFee), baseFee + tip);
}

export async function fetchFees(rpc: JsonRpcClient, tip: bigint, legacy = false): Promise<{ maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }> {
  const [gasPrice, latest] = await rpc.batch<string | RawBlock>([
    { method: "eth_gasPrice", params: [] },
    { method: "eth_getBlockByNumber", params: ["latest", false] },
  ]);
  if (!gasPrice.ok) throw gasPrice.error;
  if (!latest.ok) throw latest.error;
  const baseFee = parseBlock(latest.result as RawBlock).baseFeePerGas;
  return { maxFeePerGas: feeCap(BigInt(gasPrice.result as string), baseFee, tip, legacy), maxPriorityFeePerGas: tip };
}

/** What the tracker needs of a receipt. */
export interface MinedReceipt {
  reverted: boolean;
  gasUsed: bigint;
}

interface RawReceipt {
  transactionHash: string;
  status?: string;
  gasUsed: string;
}

/**
 * Receipts of whole blocks (`eth_getBlockReceipts`, one call per block, served by geth, reth,
 * erigon, Nethermind, Besu and anvil), by transaction hash. A block the node does not return yet
 * throws: the caller reads it again next time rather than count its transactions without them.
 */
export async function fetchBlockReceipts(rpc: JsonRpcClient, blockNumbers: number[]): Promise<Map<string, MinedReceipt>> {
  const out = new Map<string, MinedReceipt>();
  if (blockNumbers.length === 0) return out;
  const outcomes = await rpc.batch<RawReceipt[] | null>(blockNumbers.map((n) => ({ method: "eth_getBlockReceipts", params: [toHex(n)] })));
  outcomes.forEach((o, i) => {
    if (!o.ok) throw o.error;
    if (!o.result) throw new Error(`the node has no receipts for block ${blockNumbers[i]} yet`);
    for (const r of o.result) out.set(r.transactionHash, { reverted: r.status === "0x0", gasUsed: BigInt(r.gasUsed) });
  });
  return out;
}

/**
 * The node's `web3_clientVersion`, or why there is none (no answer, the method not offered, not a
 * string). Never throws: the layer registry reports a node that does not say as undetected.
 */
export async function probeClientVersion(rpc: JsonRpcClient): Promise<{ clientVersion: string } | { reason: string }> {
  try {
    const answer = await rpc.call<unknown>("web3_clientVersion");
    if (typeof answer === "string" && answer.trim() !== "") return { clientVersion: answer };
    return { reason: "web3_clientVersion answered no version string" };
  } catch (err) {
    return { reason: `web3_clientVersion failed: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/**
 * The node's pool: pending + queued from `txpool_status` (hex counts), or "unsupported" when the
 * node has no such method. Any other failure throws.
 */
export async function fetchPoolCount(rpc: JsonRpcClient): Promise<number | "unsupported"> {
  try {
    const status = await rpc.call<{ pending: string | number; queued: string | number }>("txpool_status");
    // Hex strings by the spec; Number() reads those and plain numbers alike.
    const total = Number(status.pending) + Number(status.queued);
    if (!Number.isFinite(total)) throw new RpcError("bad-response", "txpool_status answered no counts");
    return total;
  } catch (err) {
    if (err instanceof RpcError && (err.code === -32601 || /method .*(not found|not supported|not available|does not exist)/i.test(err.message))) return "unsupported";
    throw err;
  }
}
