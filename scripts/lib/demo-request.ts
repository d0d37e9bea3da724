/**
 * The demo's short flags turned into a StartTestRequest: `--rate` is the pattern's headline rate
 * (the constant rate, a ramp's end, a spike's peak, a realistic run's target, an adaptive run's
 * start, a burst's size per second of the run), the rest take values that show the pattern's shape
 * in a short run.
 */

export interface DemoFlags {
  rate: number;
  duration: number;
  accounts: number;
  type: string;
  pattern: string;
}

export function demoRequest(f: DemoFlags): Record<string, unknown> {
  const common = { durationSec: f.duration, numAccounts: f.accounts, transactionType: f.type, name: `demo ${f.pattern} ${f.type}` };
  switch (f.pattern) {
    case "constant":
      return { ...common, pattern: "constant", constantRate: f.rate };
    case "ramp":
      return { ...common, pattern: "ramp", rampStart: Math.max(1, Math.round(f.rate / 4)), rampEnd: f.rate, rampSteps: 4 };
    case "spike":
      return { ...common, pattern: "spike", baselineRate: Math.max(1, Math.round(f.rate / 4)), spikeRate: f.rate, spikeDuration: 2, spikeInterval: 5 };
    case "realistic":
      return { pattern: "realistic", durationSec: f.duration, name: common.name, realisticConfig: { targetTps: f.rate, numAccounts: f.accounts } };
    case "adaptive":
      return { ...common, pattern: "adaptive", adaptiveInitialRate: f.rate };
    case "adaptive-realistic":
      return { pattern: "adaptive-realistic", durationSec: f.duration, name: common.name, adaptiveInitialRate: f.rate, realisticConfig: { targetTps: f.rate, numAccounts: f.accounts } };
    case "burst":
      return { ...common, pattern: "burst", burstCount: f.rate, burstIntervalSec: Math.max(1, Math.min(5, Math.floor(f.duration / 3))) };
    default:
      // Sent as asked: the API's 400 names the field and the patterns it knows.
      return { ...common, pattern: f.pattern };
  }
}
