/**
 * How long the coordinator's ticks take and how far apart they start (TestMetrics `coordinatorTick`).
 * A tick is one alarm: follow blocks, dispatch, nudge, checkpoint, flush to D1. Its cost grows with
 * the accounts it drives and the results it folds in; when it outgrows the tick interval, ticks run
 * back to back and the interval grows with it. Two sketches, bounded, checkpointed with the live run.
 */
import { emptySketch, recordLatency, summarize, type LatencySummary, type SketchData } from "../metrics/latency-sketch";

export interface TickStats {
  /** From the tick's start to the end of its D1 flush. */
  duration: SketchData;
  /** From one tick's start to the next one's (the tick interval while ticks keep up). */
  interval: SketchData;
  lastStartAt: number;
}

export interface TickView {
  durationMs: LatencySummary;
  intervalMs: LatencySummary;
}

export function newTickStats(): TickStats {
  return { duration: emptySketch(), interval: emptySketch(), lastStartAt: 0 };
}

export function recordTick(stats: TickStats, startedAt: number, endedAt: number): void {
  recordLatency(stats.duration, endedAt - startedAt);
  if (stats.lastStartAt > 0) recordLatency(stats.interval, startedAt - stats.lastStartAt);
  stats.lastStartAt = startedAt;
}

export function tickView(stats: TickStats | undefined): TickView | null {
  return stats ? { durationMs: summarize(stats.duration), intervalMs: summarize(stats.interval) } : null;
}
