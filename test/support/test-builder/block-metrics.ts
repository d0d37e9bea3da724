/**
 * The block-metrics message for one mined block (PRODUCT.md §8). Chain figures are anvil's own.
 * anvil does not report how long it took to build or seal a block, so those two are SYNTHETIC:
 * a fixed cost plus a cost per transaction, deterministic so that a test can predict them and
 * plausible next to a real builder's few milliseconds.
 */
import type { RpcBlock } from "./chain-watch";

export interface BlockMetrics {
  blockNumber: number;
  blockHash: string;
  parentHash: string;
  /** The block's own timestamp, in Unix ms (anvil stamps whole seconds). */
  timestamp: number;
  gasUsed: number;
  gasLimit: number;
  txCount: number;
  /** gasUsed / gasLimit. */
  fillRate: number;
  baseFeePerGas: number;
  buildTimeMs: number;
  sealTimeMs: number;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

export const syntheticBuildTimeMs = (txCount: number) => round2(1.5 + 0.02 * txCount);
export const syntheticSealTimeMs = (txCount: number) => round2(0.5 + 0.005 * txCount);

export function blockMetrics(block: RpcBlock): BlockMetrics {
  const gasUsed = Number(block.gasUsed);
  const gasLimit = Number(block.gasLimit);
  const txCount = block.transactions.length;
  return {
    blockNumber: Number(block.number),
    blockHash: block.hash,
    parentHash: block.parentHash,
    timestamp: Number(block.timestamp) * 1000,
    gasUsed,
    gasLimit,
    txCount,
    fillRate: gasLimit > 0 ? gasUsed / gasLimit : 0,
    baseFeePerGas: Number(block.baseFeePerGas ?? 0),
    buildTimeMs: syntheticBuildTimeMs(txCount),
    sealTimeMs: syntheticSealTimeMs(txCount),
  };
}
