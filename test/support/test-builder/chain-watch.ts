/**
 * Follows what anvil mines by polling `eth_getBlockByNumber("latest")`. A poll that finds the head
 * several blocks on fetches every block in between, in order: the feeds never skip a number, even
 * when a poll ran late. The first head seen (and a head that went backwards: `anvil_reset`, a
 * revert) is taken as the new starting point without replaying the past.
 */
import { toHex, type Hex } from "viem";
import { jsonRpc } from "../../../scripts/lib/json-rpc";

/** The fields of an `eth_getBlockByNumber(…, false)` answer the builder uses. */
export interface RpcBlock {
  number: Hex;
  hash: Hex;
  parentHash: Hex;
  timestamp: Hex;
  gasUsed: Hex;
  gasLimit: Hex;
  miner: Hex;
  extraData: Hex;
  stateRoot: Hex;
  receiptsRoot: Hex;
  logsBloom: Hex;
  mixHash?: Hex;
  baseFeePerGas?: Hex;
  withdrawalsRoot?: Hex;
  parentBeaconBlockRoot?: Hex;
  transactions: Hex[];
}

export interface ChainEvents {
  /** A starting point: nothing before it is reported. */
  onHead(head: RpcBlock): void;
  /** A block mined after the starting point, called once per number, in order. */
  onMined(block: RpcBlock): void;
}

export interface ChainWatch {
  head(): RpcBlock | undefined;
  poll(): Promise<void>;
  /** The block anvil would mine now, from its pool. */
  pending(): Promise<RpcBlock>;
  /**
   * anvil's own block time when it has one (`anvil_getIntervalMining`, whole seconds: 0 under
   * automine or a sub-second block time), else the gap between the last two blocks' timestamps;
   * null while neither is known.
   */
  blockTimeMs(): Promise<number | null>;
}

export function watchChain(url: string, events: ChainEvents): ChainWatch {
  let head: RpcBlock | undefined;
  /** ms between the last two blocks' timestamps (anvil stamps whole seconds; a 0 gap is ignored). */
  let lastInterval: number | null = null;

  const block = async (tag: Hex | "latest" | "pending") => {
    const found = await jsonRpc<RpcBlock | null>(url, "eth_getBlockByNumber", [tag, false]);
    if (!found) throw new Error(`block ${tag} not found`);
    return found;
  };

  const interval = (older: RpcBlock, newer: RpcBlock) => (Number(newer.timestamp) - Number(older.timestamp)) * 1000 || lastInterval;

  return {
    head: () => head,

    async poll() {
      const latest = await block("latest");
      if (!head || Number(latest.number) < Number(head.number)) {
        const parent = Number(latest.number) > 0 ? await block(toHex(Number(latest.number) - 1)) : undefined;
        if (parent) lastInterval = interval(parent, latest);
        head = latest;
        events.onHead(latest);
        return;
      }
      for (let n = Number(head.number) + 1; n <= Number(latest.number); n++) {
        const next = n === Number(latest.number) ? latest : await block(toHex(n));
        lastInterval = interval(head, next);
        head = next;
        events.onMined(next);
      }
    },

    pending: () => block("pending"),

    async blockTimeMs() {
      const seconds = await jsonRpc<number>(url, "anvil_getIntervalMining").catch(() => 0);
      return seconds > 0 ? seconds * 1000 : lastInterval;
    },
  };
}
