/**
 * The invariant behind everything, as a pure function: for every sender, the nonces included on
 * chain during the run are exactly startNonce, startNonce+1, … with no gap and no duplicate, and
 * the account's on-chain nonce ends right after them (nothing of it lies outside the range).
 */

export interface SenderAudit {
  address: string;
  startNonce: number;
  included: number;
  gaps: number[];
  duplicates: number[];
  /** Transactions of the sender mined outside the audited block range (on-chain nonce disagrees). */
  outsideRange: number;
}

export function auditSender(address: string, startNonce: number, includedNonces: number[], onChainNonce: number): SenderAudit {
  const sorted = [...includedNonces].sort((a, b) => a - b);
  const gaps: number[] = [];
  const duplicates: number[] = [];
  let expected = startNonce;
  for (const nonce of sorted) {
    if (nonce < expected) {
      duplicates.push(nonce);
      continue;
    }
    while (expected < nonce) gaps.push(expected++);
    expected = nonce + 1;
  }
  return {
    address,
    startNonce,
    included: sorted.length,
    gaps,
    duplicates,
    outsideRange: Math.abs(onChainNonce - (startNonce + sorted.length - duplicates.length)),
  };
}

export const senderIsClean = (a: SenderAudit) => a.gaps.length === 0 && a.duplicates.length === 0 && a.outsideRange === 0;
