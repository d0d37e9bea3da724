/** The pure parts of /recycle: which senders earlier runs used, what a sweep sends, how the answer reads. */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { sweepFee, sweepValue, type SweepOutcome } from "../../src/account/sweep";
import { readConfig } from "../../src/config";
import { planAccounts } from "../../src/run/initialize";
import { sendersOfRuns, summarizeRecycle } from "../../src/run/recycle";

const planned = (request: Parameters<typeof planAccounts>[0]["request"]) => planAccounts({ request }, readConfig(env)).numAccounts;

describe("sendersOfRuns", () => {
  it("takes every index once, in the region of the newest run that used it", () => {
    const runs = [
      { numAccounts: 2, config: { regions: ["weur", "enam"] } },
      { numAccounts: 4, config: {} },
    ];
    expect(sendersOfRuns(runs, planned)).toEqual([
      { index: 0, region: "weur" },
      { index: 1, region: "enam" },
      { index: 2, region: "auto" },
      { index: 3, region: "auto" },
    ]);
  });

  it("finds a weighted run's senders in the regions the run placed them in", () => {
    const runs = [{ numAccounts: 4, config: { regions: ["weur", "enam"], regionWeights: { weur: 3 } } }];
    expect(sendersOfRuns(runs, planned).map((s) => s.region)).toEqual(["weur", "weur", "enam", "weur"]);
  });

  it("asks the request how many senders a run planned when it never reached running", () => {
    const request = { pattern: "constant", durationSec: 5, constantRate: 10 };
    expect(sendersOfRuns([{ numAccounts: null, config: { ...request, numAccounts: 3 } }], planned).map((s) => s.index)).toEqual([0, 1, 2]);
    // Auto-sized (numAccounts 0): as the coordinator sized it, here the floor of 10.
    expect(sendersOfRuns([{ numAccounts: null, config: { ...request, numAccounts: 0 } }], planned)).toHaveLength(10);
  });

  it("skips a run that had no senders or whose request cannot be planned", () => {
    const unplannable = () => {
      throw new Error("not a request");
    };
    expect(sendersOfRuns([{ numAccounts: 0, config: {} }, { numAccounts: null, config: null }], unplannable)).toEqual([]);
    expect(sendersOfRuns([], planned)).toEqual([]);
  });
});

describe("a sweep", () => {
  const fees = { maxFeePerGas: "2000000000", maxPriorityFeePerGas: "1000000000" };

  it("pays 21,000 gas at the cap and sends the rest; a balance within the fee sends nothing", () => {
    expect(sweepFee(fees)).toBe(42_000_000_000_000n);
    expect(sweepValue(100_000_000_000_000n, sweepFee(fees))).toBe(58_000_000_000_000n);
    expect(sweepValue(42_000_000_000_000n, sweepFee(fees))).toBe(0n);
    expect(sweepValue(0n, sweepFee(fees))).toBe(0n);
  });
});

describe("summarizeRecycle", () => {
  const sent = (hash: string, value: string): SweepOutcome => ({ address: `0x${hash}`, outcome: "sent", balanceWei: value, valueWei: value, hash, nonce: 0 });

  it("is success when every account was swept or skipped, counting only mined sweeps as recycled", () => {
    const outcomes = [sent("a", "10"), sent("b", "5"), { address: "0xc", outcome: "skipped", balanceWei: "3" } as SweepOutcome];
    const receipts = new Map([["a", { status: "0x1" }], ["b", { status: "0x1" }]]);
    expect(summarizeRecycle(outcomes, receipts, 1000, 7n, "0xf")).toEqual({
      status: "success",
      recycled: 2,
      skipped: 1,
      failed: 0,
      accounts: 3,
      returnedWei: "15",
      feeWei: "7",
      funder: "0xf",
    });
  });

  it("is partial with the reasons grouped, the commonest first", () => {
    const outcomes: SweepOutcome[] = [
      sent("a", "10"),
      sent("b", "10"),
      sent("c", "10"),
      sent("d", "10"),
      { address: "0xe", outcome: "failed", balanceWei: "9", error: "insufficient-funds: no" },
    ];
    const receipts = new Map([["a", { status: "0x1" }], ["b", { status: "0x0" }]]);
    const result = summarizeRecycle(outcomes, receipts, 2000, 1n, "0xf");
    expect(result).toMatchObject({ status: "partial", recycled: 1, failed: 4, returnedWei: "10" });
    expect(result.error).toBe("4 of 5 accounts not swept: 2 × sweep not mined within 2000 ms; 1 × sweep reverted; 1 × insufficient-funds: no");
  });
});
