/**
 * The pure checks behind a run's verification: per sender, the run's mined transactions are the
 * nonce difference, the final nonce must equal the ledger's next and the pool must hold nothing at
 * or above the mined nonce; over all senders, the mined transactions must equal what the run
 * counted. A clean verdict on a broken sender would hide the very bug the product measures.
 */
import { describe, expect, it } from "vitest";
import { MAX_PROBLEMS, auditSender, judgeRun, poolEntriesAtOrAbove, senderIsClean, senderProblems, sendersInPool, type SenderAudit } from "../../src/run/audit";

const A = "0x00000000000000000000000000000000000000aa";
const B = "0x00000000000000000000000000000000000000bb";
const RANGE = { fromBlock: 101, toBlock: 160 };

describe("auditSender", () => {
  it("counts the run's mined transactions as the final nonce minus the start nonce", () => {
    const audit = auditSender({ address: A, startNonce: 10, ledgerNext: 15 }, 15, 0);
    expect(audit).toEqual({ address: A, startNonce: 10, finalNonce: 15, mined: 5, ledgerNext: 15, poolLeftovers: 0 });
    expect(senderProblems(audit)).toEqual([]);
    expect(senderIsClean(audit)).toBe(true);
  });

  it("a sender that sent nothing and did not move is clean", () => {
    const audit = auditSender({ address: A, startNonce: 7 }, 7, 0);
    expect(audit.mined).toBe(0);
    expect(senderIsClean(audit)).toBe(true);
  });

  it("without a ledger figure, only the start, the pool and the totals judge the sender", () => {
    const audit = auditSender({ address: A, startNonce: 3 }, 9, 0);
    expect(audit).not.toHaveProperty("ledgerNext");
    expect(audit.mined).toBe(6);
    expect(senderIsClean(audit)).toBe(true);
  });

  it("a final nonce short of the ledger's next is a problem: signed, not mined", () => {
    const audit = auditSender({ address: A, startNonce: 0, ledgerNext: 12 }, 10, 0);
    expect(audit.mined).toBe(10);
    expect(senderProblems(audit)).toEqual([`${A}: 2 signed but not mined (chain nonce 10, ledger next 12)`]);
    expect(senderIsClean(audit)).toBe(false);
  });

  it("a final nonce beyond the ledger's next is a problem: mined what the ledger never signed", () => {
    const audit = auditSender({ address: A, startNonce: 0, ledgerNext: 10 }, 11, 0);
    expect(senderProblems(audit)).toEqual([`${A}: 1 mined beyond the ledger (chain nonce 11, ledger next 10)`]);
  });

  it("pool leftovers make the sender unclean", () => {
    const audit = auditSender({ address: A, startNonce: 0, ledgerNext: 4 }, 4, 2);
    expect(senderProblems(audit)).toEqual([`${A}: 2 transactions still in the node's pool`]);
  });

  it("a chain nonce below the start nonce mines nothing for the run and is a problem", () => {
    // An earlier run's transactions (nonces 5..9) were pending at the start and never got mined.
    const audit = auditSender({ address: A, startNonce: 10 }, 5, 0);
    expect(audit.mined).toBe(0);
    expect(senderProblems(audit)).toEqual([`${A}: nonce 5 at the end is below the run's start nonce 10`]);
  });
});

const clean = (address: string, startNonce: number, mined: number): SenderAudit => auditSender({ address, startNonce, ledgerNext: startNonce + mined }, startNonce + mined, 0);

describe("judgeRun", () => {
  it("verifies when the senders' mined transactions equal load + housekeeping + reverted", () => {
    const v = judgeRun(RANGE, [clean(A, 10, 6), clean(B, 0, 4)], { loadConfirmed: 7, housekeepingConfirmed: 2, reverted: 1 }, "txpool_content");
    expect(v).toEqual({
      verified: true,
      fromBlock: 101,
      toBlock: 160,
      includedOnChain: 10,
      txConfirmed: 7,
      housekeepingConfirmed: 2,
      accountsChecked: 2,
      accountsWithGaps: 0,
      poolLeftovers: 0,
      poolCheck: "txpool_content",
      problems: [],
    });
  });

  it("reverted is optional and counts as zero", () => {
    expect(judgeRun(RANGE, [clean(A, 0, 5)], { loadConfirmed: 4, housekeepingConfirmed: 1 }, "txpool_content").verified).toBe(true);
  });

  it("a load count off by one is a problem, whichever way", () => {
    for (const loadConfirmed of [9, 11]) {
      const v = judgeRun(RANGE, [clean(A, 10, 6), clean(B, 0, 4)], { loadConfirmed, housekeepingConfirmed: 0 }, "txpool_content");
      expect(v.verified).toBe(false);
      expect(v.includedOnChain).toBe(10);
      expect(v.problems).toEqual([`chain holds 10 transactions of the run's senders, the run counted ${loadConfirmed} (${loadConfirmed} load confirmed + 0 housekeeping + 0 reverted)`]);
      // The totals disagree, yet every sender on its own is clean.
      expect(v.accountsWithGaps).toBe(0);
    }
  });

  it("housekeeping left out of the expected counts is a problem", () => {
    const v = judgeRun(RANGE, [clean(A, 0, 10)], { loadConfirmed: 8, housekeepingConfirmed: 0 }, "txpool_content");
    expect(v.verified).toBe(false);
  });

  it("a sender whose final nonce disagrees with its ledger fails the run even when the totals agree", () => {
    const short = auditSender({ address: B, startNonce: 0, ledgerNext: 5 }, 4, 0);
    const v = judgeRun(RANGE, [clean(A, 0, 6), short], { loadConfirmed: 10, housekeepingConfirmed: 0 }, "txpool_content");
    expect(v.verified).toBe(false);
    expect(v.accountsWithGaps).toBe(1);
    expect(v.problems).toEqual([`${B}: 1 signed but not mined (chain nonce 4, ledger next 5)`]);
  });

  it("pool leftovers are summed, reported, and their senders counted once each", () => {
    const both = auditSender({ address: A, startNonce: 0, ledgerNext: 6 }, 5, 3);
    const poolOnly = auditSender({ address: B, startNonce: 0, ledgerNext: 2 }, 2, 1);
    const v = judgeRun(RANGE, [both, poolOnly], { loadConfirmed: 7, housekeepingConfirmed: 0 }, "nonce-compare");
    expect(v.verified).toBe(false);
    expect(v.poolLeftovers).toBe(4);
    expect(v.poolCheck).toBe("nonce-compare");
    expect(v.accountsWithGaps).toBe(2);
    expect(v.problems[0]).toBe("4 transactions of the run's senders still in the node's pool");
    expect(v.problems).toHaveLength(4);
  });

  it(`keeps at most ${MAX_PROBLEMS} problems, says how many more, and still counts every unclean sender`, () => {
    const audits = Array.from({ length: 50 }, (_, i) => auditSender({ address: `0x${i.toString(16).padStart(40, "0")}`, startNonce: 0, ledgerNext: 3 }, 2, 0));
    const v = judgeRun(RANGE, audits, { loadConfirmed: 0, housekeepingConfirmed: 0 }, "txpool_content");
    expect(v.problems).toHaveLength(MAX_PROBLEMS);
    expect(v.problems[0]).toMatch(/^chain holds 100 transactions/);
    expect(v.problems[MAX_PROBLEMS - 1]).toBe("… and 32 more sender problems");
    expect(v.accountsWithGaps).toBe(50);
  });
});

describe("poolEntriesAtOrAbove", () => {
  const mined = new Map([
    [A, 5],
    [B, 0],
  ]);

  it("ignores stale entries below the mined nonce and counts the rest, in both sections", () => {
    const counts = poolEntriesAtOrAbove(
      {
        // A's 3 and 4 are mined already (a node that lists them late); 5 is pending, 7 queued behind a gap.
        pending: { [A]: { "3": {}, "4": {}, "5": {} } },
        queued: { [A]: { "7": {} }, [B]: { "2": {} } },
      },
      mined,
    );
    expect(counts).toEqual(new Map([[A, 2], [B, 1]]));
  });

  it("matches checksummed addresses and ignores senders that are not the run's", () => {
    const other = "0x00000000000000000000000000000000000000cc";
    const counts = poolEntriesAtOrAbove({ pending: { [A.toUpperCase().replace("0X", "0x")]: { "6": {} }, [other]: { "0": {}, "1": {} } } }, mined);
    expect(counts).toEqual(new Map([[A, 1]]));
  });

  it("reads hex keys, falls back to the entry's nonce field, and counts an entry whose nonce cannot be read", () => {
    const counts = poolEntriesAtOrAbove({ pending: { [A]: { "0x4": {}, "0x5": {}, odd: { nonce: "0x2" }, odder: { nonce: "0x9" }, unreadable: {} } } }, mined);
    // 0x5, 0x9 and the unreadable one.
    expect(counts.get(A)).toBe(3);
  });

  it("an empty or null pool has no leftovers", () => {
    expect(poolEntriesAtOrAbove({}, mined).size).toBe(0);
    expect(poolEntriesAtOrAbove({ pending: null, queued: {} }, mined).size).toBe(0);
  });
});

describe("sendersInPool", () => {
  it("lists the wanted senders with any entry, lower-cased, once each", () => {
    const upperB = B.toUpperCase().replace("0X", "0x");
    const content = { pending: { [A]: { "1": {} }, [upperB]: {} }, queued: { [A]: { "3": {} }, "0xcc": { "0": {} } } };
    expect(sendersInPool(content, [A, upperB])).toEqual([A]);
  });
});
