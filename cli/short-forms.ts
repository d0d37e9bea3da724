/**
 * The demo's short flags (`--rate`, `--duration`, `--accounts`, `--type`) and how they combine with
 * the full request fields: `--rate` is the pattern's headline rate, and a field given as its own
 * flag wins over what a short form made of it.
 */

export interface ShortForms {
  rate?: number;
  duration?: number;
  accounts?: number;
  type?: string;
}

/**
 * The fields `rate` stands for in `pattern`: the constant rate, a ramp's end, a spike's peak, a
 * realistic run's target, an adaptive run's start, a burst's size; the rest take values that show
 * the pattern's shape in a short run. An unknown pattern gets nothing: the API's 400 names it.
 */
export function headlineRateFields(pattern: string, rate: number, durationSec: number | undefined): Record<string, unknown> {
  switch (pattern) {
    case "constant":
      return { constantRate: rate };
    case "ramp":
      return { rampStart: Math.max(1, Math.round(rate / 4)), rampEnd: rate, rampSteps: 4 };
    case "spike":
      return { baselineRate: Math.max(1, Math.round(rate / 4)), spikeRate: rate, spikeDuration: 2, spikeInterval: 5 };
    case "realistic":
      return { realisticConfig: { targetTps: rate } };
    case "adaptive":
      return { adaptiveInitialRate: rate };
    case "adaptive-realistic":
      return { adaptiveInitialRate: rate, realisticConfig: { targetTps: rate } };
    case "burst":
      return { burstCount: rate, ...(durationSec === undefined ? {} : { burstIntervalSec: Math.max(1, Math.min(5, Math.floor(durationSec / 3))) }) };
    default:
      return {};
  }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** `fields` over `base`; an object field in both (realisticConfig) is merged one level, so `--rate` keeps its target beside the given keys. */
function overlay(base: Record<string, unknown>, fields: Record<string, unknown>): Record<string, unknown> {
  const out = { ...base };
  for (const [key, value] of Object.entries(fields)) {
    out[key] = isPlainObject(value) && isPlainObject(base[key]) ? { ...base[key], ...value } : value;
  }
  return out;
}

/** The request body for `run`: the short forms, then the fields given as flags. `--rate` without a pattern means constant. */
export function requestFromFlags(short: ShortForms, fields: Record<string, unknown>): Record<string, unknown> {
  const pattern = fields.pattern ?? (short.rate === undefined ? undefined : "constant");
  const named = { pattern, durationSec: short.duration, numAccounts: short.accounts, transactionType: short.type };
  const base = Object.fromEntries(Object.entries(named).filter(([, v]) => v !== undefined));
  const durationSec = typeof fields.durationSec === "number" ? fields.durationSec : short.duration;
  const headline = short.rate === undefined || typeof pattern !== "string" ? {} : headlineRateFields(pattern, short.rate, durationSec);
  return overlay({ ...base, ...headline }, fields);
}
