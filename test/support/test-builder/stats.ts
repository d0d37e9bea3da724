/** What the test builder emitted since it started (or since `POST /control/reset`). */

export type FeedName = "preconf" | "block-metrics" | "flashblocks";
export const FEEDS: readonly FeedName[] = ["preconf", "block-metrics", "flashblocks"];

export type PreconfStatus = "pending" | "preconfirmed" | "confirmed" | "revoked" | "dropped" | "requeued";

export interface TestBuilderStats {
  rpc: {
    /** POST bodies forwarded (a batch counts once). */
    requests: number;
    /** eth_sendRawTransaction calls anvil answered with a result. */
    acceptedTxs: number;
    /** Forwards that never got an answer from anvil (answered 502). */
    upstreamErrors: number;
    /** Calls by method (a batch counts each of its calls): what a test can tell the worker asked. */
    methods: Record<string, number>;
  };
  /** Accepted, not yet seen in a mined block. */
  pendingTxCount: number;
  /** Chain polls that failed (anvil down or slow): the feeds pause, nothing throws. */
  pollErrors: number;
  preconf: {
    events: Record<PreconfStatus, number>;
    singleMessages: number;
    batchMessages: number;
    /** The seqNum of the last batch message (global across connections; 0: none yet). */
    lastSeqNum: number;
    /** Batch messages whose seqNum jumped (seqGap), and how many seqNums they skipped in all. */
    seqGapsInjected: number;
    seqNumsSkipped: number;
  };
  blockMetrics: { messages: number; lastBlockNumber: number | null };
  flashblocks: {
    messages: number;
    /** Transactions carried, each counted once (in the flashblock that first shows it). */
    transactions: number;
    /** Frames written to sockets, by encoding (one message to three clients: three frames). */
    frames: { text: number; brotli: number };
  };
  clients: Record<FeedName, number>;
  /** Sockets this builder cut on `disconnect`. */
  disconnects: Record<FeedName, number>;
  refusedUpgrades: number;
}

const perFeed = (): Record<FeedName, number> => ({ preconf: 0, "block-metrics": 0, flashblocks: 0 });

export const emptyStats = (): TestBuilderStats => ({
  rpc: { requests: 0, acceptedTxs: 0, upstreamErrors: 0, methods: {} },
  pendingTxCount: 0,
  pollErrors: 0,
  preconf: {
    events: { pending: 0, preconfirmed: 0, confirmed: 0, revoked: 0, dropped: 0, requeued: 0 },
    singleMessages: 0,
    batchMessages: 0,
    lastSeqNum: 0,
    seqGapsInjected: 0,
    seqNumsSkipped: 0,
  },
  blockMetrics: { messages: 0, lastBlockNumber: null },
  flashblocks: { messages: 0, transactions: 0, frames: { text: 0, brotli: 0 } },
  clients: perFeed(),
  disconnects: perFeed(),
  refusedUpgrades: 0,
});
