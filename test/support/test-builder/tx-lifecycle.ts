/**
 * Each accepted transaction's walk through the preconfirmation statuses, one `preconfDelayMs`
 * apart: `pending` at once, then its planned steps, then `confirmed` when a mined block holds it.
 *
 * Faults are planned when the tx arrives, spending the counters in arrival order:
 * - dropNext:    pending → dropped                     (no preconfirmation)
 * - requeueNext: pending → requeued → preconfirmed     (the builder deferred it to a later slot)
 * - revokeNext:  … → preconfirmed → revoked            (the preconfirmation is withdrawn)
 * The feed lies, the chain does not: anvil mines every accepted tx anyway (a real builder re-queues
 * a revoked tx and includes it later), so `confirmed` still follows once the tx is in a block.
 * A consumer must treat `confirmed` as the chain's word and the earlier statuses as the builder's.
 *
 * A block can seal before the planned steps ran (a tx sent just before the seal): the rest are
 * raised at once, in order, so no tx is ever confirmed before it was preconfirmed on the feed.
 *
 * blockNumber/position before inclusion are the builder's promise: the block being built and the
 * tx's arrival rank in it (FIFO). `confirmed` carries where anvil really put it.
 */
import { keccak256, type Hex } from "viem";
import type { FaultSettings } from "./control";
import type { PreconfFeed } from "./preconf-feed";
import type { PreconfStatus } from "./stats";

export interface TrackedTx {
  hash: Hex;
  raw: Hex;
  receivedAt: number;
}

interface Walk extends TrackedTx {
  blockNumber: number;
  position: number;
  steps: PreconfStatus[];
  timer?: NodeJS.Timeout;
}

export interface TxTracker {
  /** A raw tx anvil accepted. Returns false if it was already known (a resend of the same bytes). */
  accept(raw: Hex): boolean;
  get(hash: Hex): TrackedTx | undefined;
  /** A block anvil mined: confirms the tracked txs in it. */
  mined(block: { number: number; transactions: Hex[] }): void;
  pendingCount(): number;
  close(): void;
}

/** Mined hashes kept to catch a tx whose acceptance we hear of after its block (bounded by count). */
const RECENTLY_MINED = 10_000;

export function createTxTracker(feed: PreconfFeed, settings: FaultSettings, buildingBlock: () => number): TxTracker {
  const walks = new Map<Hex, Walk>();
  const recentlyMined = new Map<Hex, { blockNumber: number; position: number; tracked: boolean }>();
  let slot = { blockNumber: -1, next: 0 };

  const plan = (): PreconfStatus[] => {
    if (settings.dropNext > 0) {
      settings.dropNext -= 1;
      return ["dropped"];
    }
    const steps: PreconfStatus[] = [];
    if (settings.requeueNext > 0) {
      settings.requeueNext -= 1;
      steps.push("requeued");
    }
    steps.push("preconfirmed");
    if (settings.revokeNext > 0) {
      settings.revokeNext -= 1;
      steps.push("revoked");
    }
    return steps;
  };

  const raise = (walk: Walk, status: PreconfStatus, blockNumber = walk.blockNumber, position = walk.position) =>
    feed.emit({ txHash: walk.hash, status, blockNumber, position });

  const stepLater = (walk: Walk) => {
    if (walk.steps.length === 0) return;
    walk.timer = setTimeout(() => {
      raise(walk, walk.steps.shift()!);
      stepLater(walk);
    }, settings.preconfDelayMs);
  };

  const finish = (walk: Walk, blockNumber: number, position: number) => {
    clearTimeout(walk.timer);
    for (const status of walk.steps) raise(walk, status);
    raise(walk, "confirmed", blockNumber, position);
    walks.delete(walk.hash);
  };

  return {
    accept(raw) {
      const hash = keccak256(raw);
      const mined = recentlyMined.get(hash);
      if (walks.has(hash) || mined?.tracked) return false;
      const building = buildingBlock();
      if (slot.blockNumber !== building) slot = { blockNumber: building, next: 0 };
      const walk: Walk = { hash, raw, receivedAt: Date.now(), blockNumber: building, position: slot.next++, steps: plan() };
      walks.set(hash, walk);
      raise(walk, "pending");
      if (mined) {
        mined.tracked = true;
        finish(walk, mined.blockNumber, mined.position);
      } else {
        stepLater(walk);
      }
      return true;
    },

    get: (hash) => walks.get(hash),

    mined(block) {
      block.transactions.forEach((hash, position) => {
        const walk = walks.get(hash);
        recentlyMined.set(hash, { blockNumber: block.number, position, tracked: walk !== undefined });
        if (walk) finish(walk, block.number, position);
      });
      for (const hash of recentlyMined.keys()) {
        if (recentlyMined.size <= RECENTLY_MINED) break;
        recentlyMined.delete(hash);
      }
    },

    pendingCount: () => walks.size,

    close() {
      for (const walk of walks.values()) clearTimeout(walk.timer);
    },
  };
}
