/** TestMetrics `builder`: what the run's builder feeds said, from the tracker's word and the feeds' own figures. */
import { feedFiguresView, type FeedFigures, type FeedFiguresView } from "../feeds/feed-figures";
import type { FeedSources } from "../feeds/feed-sources";
import { summarize, type LatencySummary } from "../metrics/latency-sketch";
import type { FeedWord, FeedWordTotals } from "./feed-word";

export interface BuilderView {
  /** Which feeds the run read, and why not the others (also in the run's `environment.sources`). */
  sources: FeedSources;
  /** Send → preconfirmation per source: the preconfirmation feed, and flashblocks (first sighting). */
  preconfLatencyBySource: { preconf: LatencySummary; flashblocks: LatencySummary };
  /** The run's own transactions as the feeds reported them: revocations, drops, requeues, flashblock indices. */
  ours: FeedWordTotals;
  /** Each feed's own figures: messages, invalid ones, reconnects, lost events, block builds, flashblocks. */
  feeds: FeedFiguresView;
}

export function builderView(builder: { sources: FeedSources; figures: FeedFigures } | undefined, word: FeedWord): BuilderView | null {
  if (!builder) return null;
  return {
    sources: builder.sources,
    preconfLatencyBySource: { preconf: summarize(word.bySource.preconf), flashblocks: summarize(word.bySource.flashblocks) },
    ours: { ...word.totals, byFlashblockIndex: { ...word.totals.byFlashblockIndex } },
    feeds: feedFiguresView(builder.figures),
  };
}
