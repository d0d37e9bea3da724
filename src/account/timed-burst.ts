/**
 * One account object's share of a burst (the burst pattern, PRODUCT.md §9): signed ahead, then
 * released at the planned instant together with every other object's share.
 *
 * The nonces are reserved and the transactions signed and written to the ledger (hash and raw
 * bytes) as soon as the order arrives; the call then waits inside the object until the instant and
 * sends, one JSON-RPC batch after another (nonce order, so no node sees a gap), recording when the
 * first and the last request left. From there the outcome rules are those of every send.
 */
import { MAX_BATCH_CALLS } from "../chain/rpc";
import { sleep } from "../chain/wait";
import { mergeSketch } from "../metrics/latency-sketch";
import { sliceCount, type BurstSlice } from "./account-do";
import { emptyBurst, signReserved, submit, type BurstResult, type SenderDeps } from "./send-burst";

export interface TimedBurstOrder extends BurstSlice {
  /** When the share leaves (ms since the epoch): the same instant for every object of the burst. */
  plannedAt: number;
  /**
   * Handed out again by a coordinator that restarted once its checkpoint held the burst: the first
   * order may have been lost with the restart. Not sent if it arrives after its instant.
   */
  again?: boolean;
}

export interface BurstTiming {
  plannedAt: number;
  /** When this object's first request left, and its last. */
  firstSendAt: number;
  lastSendAt: number;
}

export interface TimedBurstResult extends BurstResult {
  timing: BurstTiming;
  /** The share's order came again after its instant and the first never came: nothing was sent. */
  missed?: boolean;
}

const CLAIMED_BURSTS_KEY = "timed-bursts-claimed";
/** Instants remembered: a share is handed out again only while unreported, long before 64 later bursts. */
const CLAIMS_KEPT = 64;

/**
 * True the first time an object is given the burst of `plannedAt`. A coordinator hands a burst
 * out again after a restart (its calls may not have left, or may not have been checkpointed yet);
 * the object sends it once. Each instant is remembered, not only the last: an order that never
 * came before a later burst's did may still come again, and must be answered, not refused as a
 * repeat. Older than every instant remembered, once they are full: a repeat, never sent twice.
 */
export function claimBurst(kv: DurableObjectStorage["kv"], plannedAt: number): boolean {
  const claimed = kv.get<number[]>(CLAIMED_BURSTS_KEY) ?? [];
  if (claimed.includes(plannedAt) || (claimed.length >= CLAIMS_KEPT && plannedAt < claimed[0])) return false;
  claimed.push(plannedAt);
  claimed.sort((a, b) => a - b);
  kv.put(CLAIMED_BURSTS_KEY, claimed.slice(-CLAIMS_KEPT));
  return true;
}

/** The report of a share whose only order came after its instant: a burst is never sent late. */
export function missedShare(address: string, plannedAt: number): TimedBurstResult {
  return { ...emptyBurst(address), timing: { plannedAt, firstSendAt: 0, lastSendAt: 0 }, missed: true };
}

export async function sendTimedBurst(deps: SenderDeps, order: TimedBurstOrder): Promise<TimedBurstResult> {
  // Recorded as sent at the instant: if the object dies before, the look-up of the unknown slots settles them.
  // An order handed out again comes with no lead: signed past the instant, its nonces go back and it is missed.
  const { signed, unsent } = await signReserved(deps, sliceCount(order), order.fees, order.plannedAt, order.again ? order.plannedAt : undefined);
  if (unsent > 0) return missedShare(deps.signer.address, order.plannedAt);
  const result = emptyBurst(deps.signer.address);
  const timing: BurstTiming = { plannedAt: order.plannedAt, firstSendAt: 0, lastSendAt: 0 };
  try {
    const wait = order.plannedAt - Date.now();
    if (wait > 0) await sleep(wait);
    for (let i = 0; i < signed.length; i += MAX_BATCH_CALLS) {
      const at = Date.now();
      if (i === 0) timing.firstSendAt = at;
      timing.lastSendAt = at;
      mergeBurst(result, await submit(deps, signed.slice(i, i + MAX_BATCH_CALLS), at));
    }
  } finally {
    // A batch that threw must not leave the later ones claimed for ever: they stay unknown, to be looked up.
    for (const tx of signed) deps.ledger.handOver(tx.nonce, tx.hash);
  }
  return { ...result, timing };
}

function mergeBurst(into: BurstResult, from: BurstResult): void {
  into.sent.push(...from.sent);
  into.failed.push(...from.failed);
  into.submitted += from.submitted;
  addCounts(into.attemptErrors, from.attemptErrors);
  addCounts(into.retries, from.retries);
  into.requests.sent += from.requests.sent;
  into.requests.rateLimited += from.requests.rateLimited;
  into.requests.maxRetryAfterMs = Math.max(into.requests.maxRetryAfterMs, from.requests.maxRetryAfterMs);
  mergeSketch(into.sendLatency, from.sendLatency);
}

function addCounts<K extends string>(into: Partial<Record<K, number>>, from: Partial<Record<K, number>>): void {
  for (const key of Object.keys(from) as K[]) into[key] = (into[key] ?? 0) + (from[key] ?? 0);
}
