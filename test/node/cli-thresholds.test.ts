/** `loadgen run --threshold`: the expressions read, refused, and judged against final metrics; and the exit code they lead to. */
import { describe, expect, it } from "vitest";
import { EXIT_FAILED, EXIT_OK, EXIT_THRESHOLDS, runExitCode } from "../../cli/exit-codes";
import { evaluateThreshold, evaluateThresholds, parseThreshold, parseThresholds, ThresholdError } from "../../cli/thresholds";
import { idleMetrics, type TestMetrics } from "../../src/metrics/test-metrics";

function finalMetrics(overrides: Partial<TestMetrics> = {}): TestMetrics {
  return {
    ...idleMetrics(),
    runId: "r1",
    status: "completed",
    targetTps: 100,
    averageTps: 96,
    txSent: 500,
    txConfirmed: 498,
    txFailed: 2,
    totalGasUsed: "10458000",
    confirmLatency: { count: 498, sum: 348_600, min: 100, max: 2500, avg: 700, p50: 600, p75: 800, p90: 1200, p95: 1500, p99: 1999.5 },
    errors: { underpriced: 2 },
    byType: { "eth-transfer": { sent: 500, confirmed: 498, failed: 2, reverted: 0, discarded: 0, avgGasUsed: null } },
    verification: { verified: true, includedOnChain: 498 },
    ...overrides,
  };
}

const judge = (expression: string, m: TestMetrics = finalMetrics()) => evaluateThreshold(parseThreshold(expression), m);

describe("parseThreshold", () => {
  it("reads the spec's three examples", () => {
    expect(parseThreshold("confirmLatency.p99<2000")).toEqual({ expression: "confirmLatency.p99<2000", path: "confirmLatency.p99", operator: "<", bound: { factor: 2000 } });
    expect(parseThreshold("txFailed==0")).toMatchObject({ path: "txFailed", operator: "==", bound: { factor: 0 } });
    expect(parseThreshold("averageTps>=0.95*targetTps")).toMatchObject({ path: "averageTps", operator: ">=", bound: { factor: 0.95, path: "targetTps" } });
  });

  it("reads every operator, two-character ones not as one character plus junk", () => {
    for (const op of ["<", "<=", ">", ">=", "==", "!="]) expect(parseThreshold(`txSent${op}5`).operator).toBe(op);
  });

  it("allows spaces, decimals, exponents, negatives, a path on the right and path*number", () => {
    expect(parseThreshold("  txSent  >=  1e3 ")).toMatchObject({ expression: "txSent  >=  1e3", bound: { factor: 1000 } });
    expect(parseThreshold("averageTps>-0.5").bound).toEqual({ factor: -0.5 });
    expect(parseThreshold("txConfirmed==txSent").bound).toEqual({ factor: 1, path: "txSent" });
    expect(parseThreshold("averageTps >= targetTps * .9").bound).toEqual({ factor: 0.9, path: "targetTps" });
  });

  it("accepts keys of records the run fills (types, error classes, the verification)", () => {
    for (const e of ["byType.eth-transfer.confirmed<=1", "errors.nonce-too-low==0", "verification.includedOnChain>=1", "regions.weur.accounts>0"]) {
      expect(() => parseThreshold(e)).not.toThrow();
    }
  });

  it.each([
    ["txFailed=0", /threshold "txFailed=0": expected an operator \(.*==.*\) after txFailed/],
    ["<5", /expected a metric path/],
    ["txFailed==", /nothing to compare with/],
    ["txFailed<1<2", /cannot read "1<2"/],
    ["txFailed<2*", /cannot read "2\*"/],
    ["txFailed<2*3", /cannot read "2\*3"/],
    ["confirmLatency.p999<3", /TestMetrics has no confirmLatency.p999 \(known: count, .*\bp50, .*\bp99\)/],
    ["confirmedTx>1", /TestMetrics has no confirmedTx/],
    ["confirmLatency<3", /confirmLatency is an object, not a number \(pick one of confirmLatency.count/],
    ["status==1", /status is text, not a number/],
    ["txFailed.count==0", /txFailed is a single value: it has no field count/],
    ["txSent>0.5*targetTpz", /TestMetrics has no targetTpz/],
  ])("refuses %s, naming it and why", (expression, why) => {
    expect(() => parseThreshold(expression)).toThrow(ThresholdError);
    expect(() => parseThreshold(expression)).toThrow(why);
  });

  it("refuses a list at its first malformed entry", () => {
    expect(() => parseThresholds(["txFailed==0", "txSent>>1", "bad"])).toThrow(/"txSent>>1"/);
  });
});

describe("evaluateThreshold", () => {
  it("holds and fails at the boundaries of each operator", () => {
    const cases: Array<[string, boolean]> = [
      ["txFailed<2", false],
      ["txFailed<3", true],
      ["txFailed<=2", true],
      ["txFailed<=1", false],
      ["txFailed>2", false],
      ["txFailed>1", true],
      ["txFailed>=2", true],
      ["txFailed>=3", false],
      ["txFailed==2", true],
      ["txFailed==0", false],
      ["txFailed!=0", true],
      ["txFailed!=2", false],
    ];
    for (const [expression, passed] of cases) expect({ expression, passed: judge(expression).passed }).toEqual({ expression, passed });
  });

  it("reports the values compared, with number*path scaled", () => {
    expect(judge("averageTps>=0.95*targetTps")).toEqual({ expression: "averageTps>=0.95*targetTps", passed: true, actual: 96, limit: 95 });
    expect(judge("averageTps>=0.97*targetTps")).toMatchObject({ passed: false, actual: 96, limit: 97 });
    expect(judge("txConfirmed>=targetTps*5")).toMatchObject({ passed: false, actual: 498, limit: 500 });
    expect(judge("confirmLatency.p99<2000")).toMatchObject({ passed: true, actual: 1999.5 });
  });

  it("reads numeric text and booleans as numbers", () => {
    expect(judge("totalGasUsed>10000000")).toMatchObject({ passed: true, actual: 10_458_000 });
    expect(judge("verification.verified==1")).toMatchObject({ passed: true, actual: 1 });
    expect(judge("verification.verified==1", finalMetrics({ verification: { verified: false } }))).toMatchObject({ passed: false, actual: 0 });
  });

  it("counts an error class that never occurred as 0, and reads one that did", () => {
    expect(judge("errors.timeout==0")).toMatchObject({ passed: true, actual: 0 });
    expect(judge("errors.underpriced==0")).toMatchObject({ passed: false, actual: 2 });
  });

  it("fails a threshold whose value the run does not have, on either side", () => {
    expect(judge("byType.uniswap-swap.confirmed>=0")).toEqual({ expression: "byType.uniswap-swap.confirmed>=0", passed: false, actual: null, limit: 0 });
    expect(judge("txSent>=verification.includedOnChain", finalMetrics({ verification: null }))).toMatchObject({ passed: false, actual: 500, limit: null });
    expect(judge("stopSequenceMs<1000")).toMatchObject({ passed: false, actual: null });
  });

  it("judges a list in order", () => {
    const results = evaluateThresholds(parseThresholds(["txFailed==2", "txFailed==0"]), finalMetrics());
    expect(results.map((r) => r.passed)).toEqual([true, false]);
  });
});

describe("runExitCode", () => {
  const held = evaluateThresholds(parseThresholds(["txFailed<=2"]), finalMetrics());
  const failed = evaluateThresholds(parseThresholds(["txFailed==0"]), finalMetrics());

  it("is 0 for a verified run whose thresholds all held (or that has none)", () => {
    expect(runExitCode(finalMetrics(), held)).toBe(EXIT_OK);
    expect(runExitCode(finalMetrics(), [])).toBe(EXIT_OK);
  });

  it("is 99 for a verified run with a failed threshold", () => {
    expect(runExitCode(finalMetrics(), [...held, ...failed])).toBe(EXIT_THRESHOLDS);
  });

  it("is 1 for a run that errored, was stopped or was not verified, whatever its thresholds", () => {
    expect(runExitCode(finalMetrics({ status: "error" }), held)).toBe(EXIT_FAILED);
    expect(runExitCode(finalMetrics({ status: "stopped" }), failed)).toBe(EXIT_FAILED);
    expect(runExitCode(finalMetrics({ verification: { verified: false } }), held)).toBe(EXIT_FAILED);
    expect(runExitCode(finalMetrics({ verification: null }), held)).toBe(EXIT_FAILED);
  });
});
