/**
 * Load patterns as pure functions of time: the rate (transactions per second) a run aims for at
 * `tSec` seconds after it started. The coordinator samples it every tick. Two patterns are not
 * rates of time alone: a burst is released at planned instants (burst-plan.ts, sent by the burst
 * launcher, not by the tick's dispatch), and the adaptive rate follows the node's backlog
 * (adaptive.ts), handed in as `adaptiveRate`.
 */
import type { StartTestRequest } from "../api/schemas";
import { adaptiveCeiling, type AdaptiveConfig } from "./adaptive";
import { accountsForBurst, burstPeakRate, burstTotal, burstsInSecond } from "./burst-plan";

export type PatternConfig = Pick<StartTestRequest, "pattern" | "durationSec"> &
  Partial<
    Pick<
      StartTestRequest,
      | "constantRate"
      | "rampStart"
      | "rampEnd"
      | "rampSteps"
      | "baselineRate"
      | "spikeRate"
      | "spikeDuration"
      | "spikeInterval"
      | "burstCount"
      | "burstWindowMs"
      | "burstIntervalSec"
      | "adaptiveInitialRate"
      | "adaptiveTargetPending"
      | "adaptiveRateStep"
      | "realisticConfig"
    >
  >;

/** Patterns whose rate the adaptive controller sets: `adaptive`, and `adaptive-realistic` (its rate, the realistic mix). */
export const isAdaptive = (pattern: PatternConfig["pattern"]): boolean => pattern === "adaptive" || pattern === "adaptive-realistic";

/**
 * The adaptive controller's settings: `adaptive-realistic` may leave `adaptiveInitialRate` out and
 * start at its realistic target rate.
 */
export function adaptiveSettings(config: PatternConfig): AdaptiveConfig {
  const initial = config.adaptiveInitialRate ?? (config.pattern === "adaptive-realistic" ? config.realisticConfig?.targetTps : undefined);
  return { adaptiveInitialRate: initial, adaptiveTargetPending: config.adaptiveTargetPending, adaptiveRateStep: config.adaptiveRateStep };
}

/** `adaptiveRate`: the adaptive controller's rate now (without it, the initial rate). */
export function rateAt(config: PatternConfig, tSec: number, adaptiveRate?: number): number {
  if (tSec < 0 || tSec >= config.durationSec) return 0;
  switch (config.pattern) {
    case "constant":
      return config.constantRate ?? 0;
    case "ramp":
      return rampRate(config, tSec);
    case "spike":
      return spikeRate(config, tSec);
    case "realistic":
      return config.realisticConfig?.targetTps ?? 0;
    case "burst":
      // The transactions planned in this whole second: the series' target, never dispatched as a rate.
      return burstsInSecond(config, Math.floor(tSec));
    case "adaptive":
    case "adaptive-realistic":
      return adaptiveRate ?? adaptiveSettings(config).adaptiveInitialRate ?? 0;
    default:
      throw new Error(`pattern ${config.pattern} has no rate function in this build`);
  }
}

/** From rampStart to rampEnd over the run: linear, or in `rampSteps` equal stairs. */
function rampRate(config: PatternConfig, tSec: number): number {
  const start = config.rampStart ?? 0;
  const end = config.rampEnd ?? 0;
  const progress = tSec / config.durationSec;
  const steps = config.rampSteps;
  if (!steps || steps <= 1) return steps === 1 ? start : start + (end - start) * progress;
  const step = Math.min(steps - 1, Math.floor(progress * steps));
  return start + ((end - start) * step) / (steps - 1);
}

/** Baseline, with a spike filling the last `spikeDuration` seconds of every `spikeInterval`. */
function spikeRate(config: PatternConfig, tSec: number): number {
  const interval = config.spikeInterval ?? 1;
  const duration = config.spikeDuration ?? 0;
  const inInterval = tSec % interval;
  return inInterval >= interval - duration ? (config.spikeRate ?? 0) : (config.baselineRate ?? 0);
}

/** The highest rate the pattern asks for; it sizes accounts and funding. */
export function peakRate(config: PatternConfig): number {
  switch (config.pattern) {
    case "constant":
      return config.constantRate ?? 0;
    case "ramp":
      return Math.max(config.rampStart ?? 0, config.rampEnd ?? 0);
    case "spike":
      return Math.max(config.baselineRate ?? 0, config.spikeRate ?? 0);
    case "realistic":
      return config.realisticConfig?.targetTps ?? 0;
    case "burst":
      return burstPeakRate(config);
    case "adaptive":
    case "adaptive-realistic":
      return adaptiveCeiling(adaptiveSettings(config));
    default:
      return 0;
  }
}

/**
 * Transactions the whole run should send, for funding: a rectangle over-estimates safely; bursts
 * are counted exactly; the adaptive rate is bounded by its ceiling, so its rectangle is too.
 */
export function expectedTransactions(config: PatternConfig): number {
  if (config.pattern === "burst") return burstTotal(config);
  return Math.ceil(peakRate(config) * config.durationSec);
}

/** Senders the pattern needs whatever its rate: a burst's share per account object is bounded. */
export function minAccounts(config: PatternConfig): number {
  return config.pattern === "burst" ? accountsForBurst(config.burstCount ?? 0) : 1;
}
