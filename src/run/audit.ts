/**
 * The invariant behind everything, judged from a handful of nonces per sender instead of every
 * block of the run. On chain a sender's nonces are consecutive by protocol, so its transactions
 * mined by `toBlock` that belong to this run are exactly nonce(toBlock) − startNonce (nonces below
 * startNonce are an earlier run's). What a nonce gap really leaves behind is transactions stuck in
 * the node's pool, and what a lost transaction leaves is a final nonce short of the ledger's next.
 */

export interface SenderStart {
  address: string;
  /** The node's nonce when the run began: lower nonces are an earlier run's. */
  startNonce: number;
  /** The ledger's next nonce at the end: everything below it was signed, nothing above. */
  ledgerNext?: number;
}

export interface ExpectedCounts {
  loadConfirmed: number;
  /** Gap fills and closing self-transfers (PRODUCT.md §13): mined, but not load. */
  housekeepingConfirmed: number;
  /** Load transactions included but reverted: on chain, yet counted failed. */
  reverted?: number;
}

export interface SenderAudit {
  address: string;
  startNonce: number;
  /** The account's nonce at `toBlock`. */
  finalNonce: number;
  /** This run's transactions mined by `toBlock`. */
  mined: number;
  ledgerNext?: number;
  /** The sender's pool entries at or above its mined nonce: sent, never mined. */
  poolLeftovers: number;
}

export interface Verification {
  verified: boolean;
  fromBlock: number;
  toBlock: number;
  /** Σ over the senders of nonce(toBlock) − startNonce. */
  includedOnChain: number;
  txConfirmed: number;
  housekeepingConfirmed: number;
  accountsChecked: number;
  /** Senders whose final nonce disagrees with their ledger (or start), or with pool leftovers. */
  accountsWithGaps: number;
  poolLeftovers: number;
  poolCheck: "txpool_content" | "nonce-compare";
  problems: string[];
}

export const MAX_PROBLEMS = 20;

export function auditSender(sender: SenderStart, finalNonce: number, poolLeftovers: number): SenderAudit {
  return {
    address: sender.address,
    startNonce: sender.startNonce,
    finalNonce,
    mined: Math.max(0, finalNonce - sender.startNonce),
    ...(sender.ledgerNext === undefined ? {} : { ledgerNext: sender.ledgerNext }),
    poolLeftovers,
  };
}

/** What is wrong with one sender, in words; empty when it is clean. */
export function senderProblems(a: SenderAudit): string[] {
  const out: string[] = [];
  // The chain never reached the nonce this run started from: an earlier run's transactions were
  // dropped or are still stuck, and everything this run signed queues behind them.
  if (a.finalNonce < a.startNonce) out.push(`${a.address}: nonce ${a.finalNonce} at the end is below the run's start nonce ${a.startNonce}`);
  if (a.ledgerNext !== undefined && a.finalNonce !== a.ledgerNext) {
    out.push(
      a.finalNonce < a.ledgerNext
        ? `${a.address}: ${a.ledgerNext - a.finalNonce} signed but not mined (chain nonce ${a.finalNonce}, ledger next ${a.ledgerNext})`
        : `${a.address}: ${a.finalNonce - a.ledgerNext} mined beyond the ledger (chain nonce ${a.finalNonce}, ledger next ${a.ledgerNext})`,
    );
  }
  if (a.poolLeftovers > 0) out.push(`${a.address}: ${a.poolLeftovers} transactions still in the node's pool`);
  return out;
}

export const senderIsClean = (a: SenderAudit) => senderProblems(a).length === 0;

/** The verdict over all senders: the counts must add up and every sender must be clean. */
export function judgeRun(
  range: { fromBlock: number; toBlock: number },
  audits: SenderAudit[],
  expected: ExpectedCounts,
  poolCheck: Verification["poolCheck"],
): Verification {
  const includedOnChain = audits.reduce((sum, a) => sum + a.mined, 0);
  const poolLeftovers = audits.reduce((sum, a) => sum + a.poolLeftovers, 0);
  const reverted = expected.reverted ?? 0;
  const counted = expected.loadConfirmed + expected.housekeepingConfirmed + reverted;
  const problems: string[] = [];
  if (includedOnChain !== counted) {
    problems.push(
      `chain holds ${includedOnChain} transactions of the run's senders, the run counted ${counted} ` +
        `(${expected.loadConfirmed} load confirmed + ${expected.housekeepingConfirmed} housekeeping + ${reverted} reverted)`,
    );
  }
  if (poolLeftovers > 0) problems.push(`${poolLeftovers} transactions of the run's senders still in the node's pool`);
  const unclean = audits.map(senderProblems).filter((p) => p.length > 0);
  const perSender = unclean.flat();
  const room = MAX_PROBLEMS - problems.length;
  if (perSender.length <= room) problems.push(...perSender);
  else problems.push(...perSender.slice(0, room - 1), `… and ${perSender.length - room + 1} more sender problems`);
  return {
    verified: problems.length === 0,
    fromBlock: range.fromBlock,
    toBlock: range.toBlock,
    includedOnChain,
    txConfirmed: expected.loadConfirmed,
    housekeepingConfirmed: expected.housekeepingConfirmed,
    accountsChecked: audits.length,
    accountsWithGaps: unclean.length,
    poolLeftovers,
    poolCheck,
    problems,
  };
}

/** `txpool_content` sections: address → nonce → transaction. */
export type PoolContent = Partial<Record<"pending" | "queued", Record<string, Record<string, unknown>> | null>>;

/**
 * Pool entries per sender (lower-cased address) whose nonce is at or above the sender's mined
 * nonce. Some nodes keep listing an entry for a while after it was mined or replaced; such an
 * entry sits below the mined nonce and is not a leftover. Senders missing from `minedNonces` are
 * not counted.
 */
export function poolEntriesAtOrAbove(content: PoolContent, minedNonces: ReadonlyMap<string, number>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const section of [content.pending, content.queued]) {
    for (const [address, byNonce] of Object.entries(section ?? {})) {
      const mined = minedNonces.get(address.toLowerCase());
      if (mined === undefined) continue;
      for (const [key, tx] of Object.entries(byNonce ?? {})) {
        const nonce = entryNonce(key, tx);
        // An entry whose nonce cannot be read is counted: a leftover must not be hidden.
        if (nonce === undefined || nonce >= mined) counts.set(address.toLowerCase(), (counts.get(address.toLowerCase()) ?? 0) + 1);
      }
    }
  }
  return counts;
}

/** Addresses (lower-cased) among `wanted` that have any entry in the pool. */
export function sendersInPool(content: PoolContent, wanted: Iterable<string>): string[] {
  const want = new Set([...wanted].map((a) => a.toLowerCase()));
  const found = new Set<string>();
  for (const section of [content.pending, content.queued]) {
    for (const [address, byNonce] of Object.entries(section ?? {})) {
      if (want.has(address.toLowerCase()) && Object.keys(byNonce ?? {}).length > 0) found.add(address.toLowerCase());
    }
  }
  return [...found];
}

// geth keys the entries by decimal nonce; the entry's own `nonce` field (hex) is the fallback.
function entryNonce(key: string, tx: unknown): number | undefined {
  const fromKey = /^0x[0-9a-f]+$/i.test(key) ? Number.parseInt(key, 16) : /^\d+$/.test(key) ? Number(key) : NaN;
  if (Number.isSafeInteger(fromKey)) return fromKey;
  const field = (tx as { nonce?: unknown } | null)?.nonce;
  const fromField = typeof field === "string" ? Number(field) : typeof field === "number" ? field : NaN;
  return Number.isSafeInteger(fromField) ? fromField : undefined;
}
