/**
 * A run of transactions one account reported sent in one call: consecutive nonces, one send time,
 * one region. It is how the tracker holds what it is waiting for (issue 9: the coordinator's work
 * grows with accounts and calls, not with transactions): one object and one stored entry per call,
 * however many transactions it carried, instead of one per transaction.
 *
 * A transaction stays a slot of its batch while nothing happens to it but waiting. Anything else
 * (mined, refused, replaced, preconfirmed by a feed, discarded) takes it out of the batch as a
 * record of its own (tracker.ts `split`), and the slot is emptied. A nudge applies to the whole
 * batch: its transactions were sent together and fall due together.
 */
import type { TransactionType } from "../tx/types";

export interface SentBatch {
  batch: true;
  account: string;
  region: string;
  sentAt: number;
  /** Gap fills or closing self-transfers (all or none of a batch). */
  housekeeping: boolean;
  /** The nonce of slot 0; slot i holds nonce `firstNonce + i`. */
  firstNonce: number;
  /** Per slot: the hash while the transaction waits in the batch, null once it left. */
  hashes: Array<string | null>;
  /** The load type of every slot, when they share one (absent for housekeeping). */
  type?: TransactionType;
  /** Per slot, when the batch mixes types (a null is no type). */
  types?: Array<TransactionType | null>;
  /** Slots still holding a transaction. */
  live: number;
  /** The lowest slot that may still hold one: blocks take a batch's slots in nonce order. */
  next: number;
  nudges: number;
  lastNudgeAt: number;
  sinceBlock: number;
  /** The first slot's hash, kept after it leaves: the batch's name in storage. */
  key: string;
  /** The storage page it was written on (absent until its first checkpoint). */
  page?: number;
}

/** Slots a batch holds at most: its stored entry stays far below SQLite's cap on a value. */
export const MAX_BATCH_SLOTS = 1_000;

export const isBatch = (unit: object): unit is SentBatch => (unit as Partial<SentBatch>).batch === true;

export function newBatch(
  first: { account: string; region: string; sentAt: number; housekeeping: boolean; nonce: number; hash: string; type?: TransactionType },
  sinceBlock: number,
): SentBatch {
  return {
    batch: true,
    account: first.account,
    region: first.region,
    sentAt: first.sentAt,
    housekeeping: first.housekeeping,
    firstNonce: first.nonce,
    hashes: [first.hash],
    type: first.type,
    live: 1,
    next: 0,
    nudges: 0,
    lastNudgeAt: 0,
    sinceBlock,
    key: first.hash,
  };
}

/** Whether a transaction reported with these fields continues `batch` (the batch must still be growing). */
export function continues(batch: SentBatch, region: string, sentAt: number, housekeeping: boolean, nonce: number): boolean {
  return (
    batch.sentAt === sentAt &&
    batch.housekeeping === housekeeping &&
    batch.region === region &&
    nonce === batch.firstNonce + batch.hashes.length &&
    batch.hashes.length < MAX_BATCH_SLOTS
  );
}

export function append(batch: SentBatch, hash: string, type: TransactionType | undefined): void {
  if (batch.types) batch.types.push(type ?? null);
  else if (type !== batch.type) {
    batch.types = batch.hashes.map(() => batch.type ?? null);
    batch.types.push(type ?? null);
    delete batch.type;
  }
  batch.hashes.push(hash);
  batch.live += 1;
}

export function slotType(batch: SentBatch, slot: number): TransactionType | undefined {
  return batch.types ? (batch.types[slot] ?? undefined) : batch.type;
}

/** The slot holding `hash`, or -1. Blocks take slots in nonce order: the first live one is tried first. */
export function slotOf(batch: SentBatch, hash: string): number {
  return batch.hashes[batch.next] === hash ? batch.next : batch.hashes.indexOf(hash, batch.next);
}

/** The slot holding `nonce`, or -1 if none does (outside the batch, or that slot left). */
export function slotAt(batch: SentBatch, nonce: number): number {
  const slot = nonce - batch.firstNonce;
  return slot >= 0 && slot < batch.hashes.length && batch.hashes[slot] !== null ? slot : -1;
}

/** Empties a slot; keeps `next` at the first slot that may hold a transaction. */
export function emptySlot(batch: SentBatch, slot: number): void {
  batch.hashes[slot] = null;
  batch.live -= 1;
  while (batch.next < batch.hashes.length && batch.hashes[batch.next] === null) batch.next += 1;
}

/** The nonces still waiting in the batch, in order. */
export function liveNonces(batch: SentBatch): number[] {
  const nonces: number[] = [];
  for (let i = batch.next; i < batch.hashes.length; i++) if (batch.hashes[i] !== null) nonces.push(batch.firstNonce + i);
  return nonces;
}
