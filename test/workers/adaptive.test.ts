/** The adaptive controller, every branch: the rate follows the pending count towards its target. */
import { describe, expect, it } from "vitest";
import { ADAPT_INTERVAL_MS, MIN_ADAPTIVE_TPS, adapt, adaptiveCeiling, newAdaptive, nextRate, type AdaptiveState } from "../../src/run/adaptive";

const config = { adaptiveInitialRate: 500, adaptiveTargetPending: 1_000, adaptiveRateStep: 100 };
const at = (rate: number, overrides: Partial<AdaptiveState> = {}): AdaptiveState => ({ ...newAdaptive(config, 0), rate, ...overrides });

describe("adaptive controller: one step (target 1000, step 100)", () => {
  const cases: Array<[branch: string, rate: number, pending: number, next: number]> = [
    ["below the target: + step", 500, 0, 600],
    ["just below the target: + step", 500, 999, 600],
    ["at the target: unchanged", 500, 1_000, 500],
    ["above the target: − step", 500, 1_001, 400],
    ["at twice the target: − step", 500, 2_000, 400],
    ["above twice the target: − 2 steps", 500, 2_001, 300],
    ["at four times the target: − 2 steps", 500, 4_000, 300],
    ["above four times the target: halved", 800, 4_001, 400],
    ["far above four times the target: halved", 800, 1e9, 400],
    // Halving 300 gives 150; the 2× branch would already give 100: more backlog never cuts less.
    ["above four times the target at a low rate: − 2 steps, deeper than halving", 300, 4_001, 100],
    ["never below 10 tps (− 2 steps)", 150, 2_500, MIN_ADAPTIVE_TPS],
    ["never below 10 tps (− step)", 50, 1_500, MIN_ADAPTIVE_TPS],
    ["never below 10 tps (halved)", MIN_ADAPTIVE_TPS, 1e9, MIN_ADAPTIVE_TPS],
    ["never above the ceiling (2,500 here)", 2_450, 0, 2_500],
    ["at the ceiling: stays", 2_500, 0, 2_500],
  ];
  for (const [branch, rate, pending, next] of cases) {
    it(`${branch}: ${rate} tps at ${pending} pending → ${next}`, () => {
      expect(nextRate(at(rate), pending)).toBe(next);
    });
  }

  it("the ceiling the run is funded for: the higher of 2 × initial and initial + 20 steps", () => {
    expect(adaptiveCeiling(config)).toBe(2_500); // max(2 × 500, 500 + 20 × 100)
    expect(adaptiveCeiling({ adaptiveInitialRate: 5_000, adaptiveRateStep: 10 })).toBe(10_000);
  });
});

describe("adaptive controller: over time", () => {
  it("starts at the initial rate and adapts at most once every 500 ms", () => {
    const state = newAdaptive(config, 1_000);
    expect(state).toMatchObject({ rate: 500, targetPending: 1_000, step: 100, pending: null, source: null });
    expect(adapt(state, 0, 1_000 + ADAPT_INTERVAL_MS - 1)).toBe(false);
    expect(state.rate).toBe(500);
    expect(adapt(state, 0, 1_500)).toBe(true);
    expect(state).toMatchObject({ rate: 600, pending: 0, source: "txpool_status", adaptedAt: 1_500 });
    expect(adapt(state, 0, 1_700)).toBe(false);
    expect(adapt(state, 5_000, 2_000, "tracker")).toBe(true);
    expect(state).toMatchObject({ rate: 300, pending: 5_000, source: "tracker" });
  });

  it("on a node that includes 300 tps, the rate circles 300 and the backlog its target", () => {
    // A toy pool: what is sent in each half second minus what the node includes in it. A step
    // controller on an integrating pool circles its set point rather than resting on it.
    const state = newAdaptive({ adaptiveInitialRate: 100, adaptiveTargetPending: 200, adaptiveRateStep: 20 }, 0);
    let pending = 0;
    const rates: number[] = [];
    const backlog: number[] = [];
    for (let t = 500; t <= 60_000; t += 500) {
      pending = Math.max(0, pending + (state.rate - 300) / 2);
      adapt(state, pending, t);
      rates.push(state.rate);
      backlog.push(pending);
    }
    const lateRates = rates.slice(-48); // the last 24 s: two turns of the circle
    const lateBacklog = backlog.slice(-48).sort((a, b) => a - b);
    expect(lateRates.reduce((a, b) => a + b, 0) / lateRates.length).toBeCloseTo(300, -1);
    expect(lateBacklog[24]).toBeGreaterThanOrEqual(150);
    expect(lateBacklog[24]).toBeLessThanOrEqual(250);
    expect(Math.max(...lateBacklog)).toBeLessThan(2 * 200);
  });

  it("defaults: target 1000, step 100", () => {
    expect(newAdaptive({ adaptiveInitialRate: 50 }, 0)).toMatchObject({ targetPending: 1_000, step: 100 });
  });
});
