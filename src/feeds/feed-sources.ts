/**
 * `environment.sources` (and TestMetrics `builder.sources`): how a run learns each thing its builder
 * can tell, as types only, so that readers of TestMetrics (the dashboard, the CLI) need nothing of
 * the worker. The plan that fills them is feed-plan.ts.
 */

/** How the run learns one thing: the feed it reads (URL without credentials), or why it reads none. */
export type SourceUse = { source: "ws"; url: string } | { source: "http"; url: string } | { source: "polling"; url: string } | { source: "none"; reason: string };

/** One entry per thing a run can learn from its builder. */
export interface FeedSources {
  preconfirmations: SourceUse;
  blockMetrics: SourceUse;
  flashblocks: SourceUse;
  builderStatus: SourceUse;
  /** How inclusion is seen: polling the L2 RPC for blocks and receipts (no newHeads subscription yet). */
  inclusion: SourceUse;
}
