/**
 * Load patterns as pure functions of time: the rate (transactions per second) a run aims for at
 * `tSec` seconds after it started. The coordinator samples it every tick.
 */
import type { StartTestRequest } from "../api/schemas";

export type PatternConfig = Pick<
  StartTestRequest,
  | "pattern"
  | "durationSec"
  | "constantRate"
  | "rampStart"
  | "rampEnd"
  | "rampSteps"
  | "baselineRate"
  | "spikeRate"
  | "spikeDuration"
  | "spikeInterval"
  | "realisticConfig"
>;

export function rateAt(config: PatternConfig, tSec: number): number {
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
    default:
      return 0;
  }
}

/** Transactions the whole run should send, for funding (a rectangle over-estimates safely). */
export function expectedTransactions(config: PatternConfig): number {
  return Math.ceil(peakRate(config) * config.durationSec);
}
