/**
 * Flashblocks in the op-rbuilder / Base format (FlashblocksPayloadV1): while a block is being
 * built, one payload every interval with the transactions added since the previous one; index 0
 * of a block carries `base`, the index restarts and `payload_id` changes at every block.
 *
 * anvil, not this process, decides what goes in a block, so each interval reads anvil's pending
 * block: its transactions are the ones the next block will hold, in order, and its roots, hash and
 * cumulative gas are what anvil has built so far. A transaction can still slip in after the last
 * interval and before the seal: when the block is mined, a last flashblock shows those, with the
 * mined block's real hash and roots. So every forwarded tx appears exactly once, under the block
 * that really holds it. Txs that reached anvil without passing through the builder are left out
 * (the builder has no raw bytes for them).
 *
 * Receipts are provisional, as a builder's are before the seal: status 0x1, no logs, and a
 * cumulative gas summed from the txs' gas limits (exact for plain transfers). Real Base wraps each
 * receipt in a type tag (`{ "Eip1559": {…} }`); this builder sends the bare receipt object.
 */
import { keccak256, parseTransaction, toHex, type Hex } from "viem";
import type { RpcBlock } from "./chain-watch";
import type { TestBuilderStats } from "./stats";

export interface Flashblock {
  payload_id: Hex;
  index: number;
  base?: {
    parent_beacon_block_root: Hex;
    parent_hash: Hex;
    fee_recipient: Hex;
    prev_randao: Hex;
    block_number: Hex;
    gas_limit: Hex;
    timestamp: Hex;
    extra_data: Hex;
    base_fee_per_gas: Hex;
  };
  diff: {
    state_root: Hex;
    receipts_root: Hex;
    logs_bloom: Hex;
    gas_used: Hex;
    block_hash: Hex;
    transactions: Hex[];
    withdrawals: never[];
    withdrawals_root: Hex;
  };
  metadata: {
    block_number: number;
    new_account_balances: Record<string, Hex>;
    receipts: Record<Hex, { status: Hex; cumulativeGasUsed: Hex; logs: never[] }>;
  };
}

export interface Flashblocks {
  /** A new head: the payload for the block after it starts. */
  startAfter(head: RpcBlock): void;
  /** One interval: shows the known txs of anvil's pending block that no flashblock showed yet. */
  building(pending: RpcBlock): void;
  /** A mined block: shows its known txs that no flashblock showed, then starts the next payload. */
  sealed(block: RpcBlock): void;
}

const ZERO32 = `0x${"00".repeat(32)}` as Hex;
/** The root of an empty trie, as anvil reports for an empty withdrawals list. */
const EMPTY_ROOT = "0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421" as Hex;

function gasLimitOf(raw: Hex): bigint {
  try {
    return parseTransaction(raw).gas ?? 21_000n;
  } catch {
    return 21_000n;
  }
}

export function createFlashblocks(send: (flashblock: Flashblock) => void, rawOf: (hash: Hex) => Hex | undefined, stats: () => TestBuilderStats): Flashblocks {
  let payload: { id: Hex; blockNumber: number; index: number; shown: Set<Hex>; gas: bigint } | undefined;

  const emit = (source: RpcBlock, hashes: Hex[]) => {
    const p = payload!;
    const receipts: Flashblock["metadata"]["receipts"] = {};
    for (const hash of hashes) {
      p.gas += gasLimitOf(rawOf(hash)!);
      receipts[hash] = { status: "0x1", cumulativeGasUsed: toHex(p.gas), logs: [] };
      p.shown.add(hash);
    }
    const base: Flashblock["base"] = {
      parent_beacon_block_root: source.parentBeaconBlockRoot ?? ZERO32,
      parent_hash: source.parentHash,
      fee_recipient: source.miner,
      prev_randao: source.mixHash ?? ZERO32,
      block_number: source.number,
      gas_limit: source.gasLimit,
      timestamp: source.timestamp,
      extra_data: source.extraData,
      base_fee_per_gas: source.baseFeePerGas ?? "0x0",
    };
    send({
      payload_id: p.id,
      index: p.index,
      ...(p.index === 0 ? { base } : {}),
      diff: {
        state_root: source.stateRoot,
        receipts_root: source.receiptsRoot,
        logs_bloom: source.logsBloom,
        gas_used: source.gasUsed,
        block_hash: source.hash,
        transactions: hashes.map((h) => rawOf(h)!),
        withdrawals: [],
        withdrawals_root: source.withdrawalsRoot ?? EMPTY_ROOT,
      },
      metadata: { block_number: p.blockNumber, new_account_balances: {}, receipts },
    });
    p.index += 1;
    stats().flashblocks.messages += 1;
    stats().flashblocks.transactions += hashes.length;
  };

  const unshown = (block: RpcBlock) => block.transactions.filter((h) => rawOf(h) !== undefined && !payload!.shown.has(h));

  const startAfter = (head: RpcBlock) => {
    const blockNumber = Number(head.number) + 1;
    // Deterministic, 8 bytes like an engine-API payload id, different for every (parent, number).
    const id = keccak256(`${head.hash}${toHex(blockNumber, { size: 32 }).slice(2)}`).slice(0, 18) as Hex;
    payload = { id, blockNumber, index: 0, shown: new Set(), gas: 0n };
  };

  return {
    startAfter,

    building(pending) {
      // A block sealed between the poll and this read: the next poll moves the payload on first.
      if (!payload || Number(pending.number) !== payload.blockNumber) return;
      emit(pending, unshown(pending));
    },

    sealed(block) {
      if (payload?.blockNumber === Number(block.number)) {
        const rest = unshown(block);
        if (rest.length > 0) emit(block, rest);
      }
      startAfter(block);
    },
  };
}
