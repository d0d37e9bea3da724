/**
 * The per-sender audit, the invariant every run is judged by: the nonces included during the run
 * are exactly startNonce, startNonce+1, … with no gap, no duplicate, and the on-chain nonce right
 * after them. A clean verdict on a broken sender would hide the very bug the product measures.
 */
import { describe, expect, it } from "vitest";
import { auditSender, senderIsClean } from "../../src/run/audit";

const ADDRESS = "0x00000000000000000000000000000000000000aa";

describe("auditSender", () => {
  it("contiguous nonces from startNonce, in any order, are clean", () => {
    const audit = auditSender(ADDRESS, 10, [12, 10, 14, 11, 13], 15);
    expect(audit).toEqual({ address: ADDRESS, startNonce: 10, included: 5, gaps: [], duplicates: [], outsideRange: 0 });
    expect(senderIsClean(audit)).toBe(true);
  });

  it("an empty list with the on-chain nonce still at startNonce is clean", () => {
    const audit = auditSender(ADDRESS, 7, [], 7);
    expect(audit).toEqual({ address: ADDRESS, startNonce: 7, included: 0, gaps: [], duplicates: [], outsideRange: 0 });
    expect(senderIsClean(audit)).toBe(true);
  });

  it("reports a gap with the missing nonces", () => {
    const audit = auditSender(ADDRESS, 0, [0, 1, 4, 5, 8], 9);
    expect(audit.gaps).toEqual([2, 3, 6, 7]);
    expect(audit.duplicates).toEqual([]);
    expect(audit.included).toBe(5);
    expect(senderIsClean(audit)).toBe(false);
  });

  it("reports a gap at the very start (the first nonce of the run is missing)", () => {
    const audit = auditSender(ADDRESS, 3, [4, 5], 6);
    expect(audit.gaps).toEqual([3]);
    expect(senderIsClean(audit)).toBe(false);
  });

  it("reports duplicates, once per extra copy", () => {
    const audit = auditSender(ADDRESS, 0, [0, 1, 1, 2, 2, 2], 3);
    expect(audit.duplicates).toEqual([1, 2, 2]);
    expect(audit.gaps).toEqual([]);
    expect(audit.included).toBe(6);
    // Three distinct nonces and the chain is at 3: the duplicates alone make it unclean.
    expect(audit.outsideRange).toBe(0);
    expect(senderIsClean(audit)).toBe(false);
  });

  it("a nonce below startNonce is not a nonce of this run: reported as a duplicate", () => {
    const audit = auditSender(ADDRESS, 5, [4, 5, 6], 7);
    expect(audit.duplicates).toEqual([4]);
    expect(senderIsClean(audit)).toBe(false);
  });

  it("counts transactions outside the range when the chain's nonce is ahead of what was included", () => {
    // 3 included from 20, but the chain is at 25: two of its transactions were mined elsewhere.
    const audit = auditSender(ADDRESS, 20, [20, 21, 22], 25);
    expect(audit.gaps).toEqual([]);
    expect(audit.duplicates).toEqual([]);
    expect(audit.outsideRange).toBe(2);
    expect(senderIsClean(audit)).toBe(false);
  });

  it("counts the disagreement when the chain's nonce is behind what was included", () => {
    const audit = auditSender(ADDRESS, 20, [20, 21, 22], 21);
    expect(audit.outsideRange).toBe(2);
    expect(senderIsClean(audit)).toBe(false);
  });

  it("an empty list while the chain's nonce moved is not clean", () => {
    const audit = auditSender(ADDRESS, 7, [], 9);
    expect(audit.outsideRange).toBe(2);
    expect(senderIsClean(audit)).toBe(false);
  });

  it("does not modify the caller's list", () => {
    const nonces = [3, 1, 2];
    auditSender(ADDRESS, 1, nonces, 4);
    expect(nonces).toEqual([3, 1, 2]);
  });
});

describe("senderIsClean", () => {
  it("is false as soon as any one of gaps, duplicates or outsideRange is set", () => {
    const clean = auditSender(ADDRESS, 0, [0, 1], 2);
    expect(senderIsClean(clean)).toBe(true);
    expect(senderIsClean({ ...clean, gaps: [5] })).toBe(false);
    expect(senderIsClean({ ...clean, duplicates: [1] })).toBe(false);
    expect(senderIsClean({ ...clean, outsideRange: 1 })).toBe(false);
  });
});
