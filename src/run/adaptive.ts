/**
 * The adaptive pattern's controller: the send rate follows the node's backlog. Every
 * ADAPT_INTERVAL_MS the pending count is compared with the target:
 *
 *   pending < target        → + step
 *   pending = target        → unchanged
 *   pending > target        → − step
 *   pending > 2 × target    → − 2 steps
 *   pending > 4 × target    → halved (or − 2 steps, if that cuts deeper: more backlog never cuts less)
 *
 * never below MIN_ADAPTIVE_TPS, never above the ceiling the run was funded for. Plain JSON state,
 * checkpointed with the run.
 */

export const ADAPT_INTERVAL_MS = 500;
export const DEFAULT_TARGET_PENDING = 1_000;
export const DEFAULT_RATE_STEP = 100;
export const MIN_ADAPTIVE_TPS = 10;
/** Climbing steps above the initial rate that funding covers (see `adaptiveCeiling`). */
const CEILING_STEPS = 20;
const MAX_TPS = 100_000;

export interface AdaptiveConfig {
  adaptiveInitialRate?: number;
  adaptiveTargetPending?: number;
  adaptiveRateStep?: number;
}

export interface AdaptiveState {
  rate: number;
  targetPending: number;
  step: number;
  ceiling: number;
  /** When the rate was last adapted (or the controller started). */
  adaptedAt: number;
  /** The last pending sample, and where it came from. */
  pending: number | null;
  source: PendingSource | null;
  /** The node answered that it has no `txpool_status`: the tracker's count is used from then on. */
  poolStatusUnsupported: boolean;
}

/** TestMetrics `adaptive`. */
export interface AdaptiveView {
  rateTps: number;
  pending: number | null;
  pendingSource: PendingSource | null;
  targetPending: number;
  ceilingTps: number;
}

/** `txpool_status`: the node's pool (pending + queued); `tracker`: sent − included, as the run counts it. */
export type PendingSource = "txpool_status" | "tracker";

/**
 * The rate is not known ahead, so funding and account sizing need a bound: twice the initial
 * rate, or 20 steps above it (10 s of climbing), whichever is higher. The controller never goes
 * past it, so a run is never sent beyond what it was funded for.
 */
export function adaptiveCeiling(config: AdaptiveConfig): number {
  const initial = config.adaptiveInitialRate ?? MIN_ADAPTIVE_TPS;
  return Math.min(MAX_TPS, Math.max(2 * initial, initial + CEILING_STEPS * (config.adaptiveRateStep ?? DEFAULT_RATE_STEP)));
}

export function newAdaptive(config: AdaptiveConfig, now: number): AdaptiveState {
  const ceiling = adaptiveCeiling(config);
  return {
    rate: clamp(config.adaptiveInitialRate ?? MIN_ADAPTIVE_TPS, ceiling),
    targetPending: config.adaptiveTargetPending ?? DEFAULT_TARGET_PENDING,
    step: config.adaptiveRateStep ?? DEFAULT_RATE_STEP,
    ceiling,
    adaptedAt: now,
    pending: null,
    source: null,
    poolStatusUnsupported: false,
  };
}

/** Is a new sample due? At most one every ADAPT_INTERVAL_MS. */
export function adaptDue(state: AdaptiveState, now: number): boolean {
  return now - state.adaptedAt >= ADAPT_INTERVAL_MS;
}

/** Folds in a pending sample: adapts the rate if one is due, and says whether it did. */
export function adapt(state: AdaptiveState, pending: number, now: number, source: PendingSource = "txpool_status"): boolean {
  if (!adaptDue(state, now)) return false;
  state.rate = nextRate(state, pending);
  state.adaptedAt = now;
  state.pending = pending;
  state.source = source;
  return true;
}

export function nextRate(state: Pick<AdaptiveState, "rate" | "targetPending" | "step" | "ceiling">, pending: number): number {
  const { rate, targetPending: target, step } = state;
  let next: number;
  if (pending > 4 * target) next = Math.min(rate / 2, rate - 2 * step);
  else if (pending > 2 * target) next = rate - 2 * step;
  else if (pending > target) next = rate - step;
  else if (pending < target) next = rate + step;
  else next = rate;
  return clamp(next, state.ceiling);
}

export function adaptiveView(state: AdaptiveState): AdaptiveView {
  return { rateTps: Math.round(state.rate * 100) / 100, pending: state.pending, pendingSource: state.source, targetPending: state.targetPending, ceilingTps: state.ceiling };
}

const clamp = (rate: number, ceiling: number) => Math.min(ceiling, Math.max(MIN_ADAPTIVE_TPS, rate));
