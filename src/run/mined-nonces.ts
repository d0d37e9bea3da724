/**
 * Which nonces of one account the run has counted as mined, in bounded memory.
 *
 * Nonces are mined in order, so counted nonces form a prefix (`contiguous`: every nonce below it)
 * plus the few above it whose lower neighbours were reported late. A report about a counted nonce
 * is about something counted already, whatever its hash; a late report below the highest mined
 * nonce but not counted still counts. A hole that stays open while many nonces above it are mined
 * was taken by a transaction that is not ours to count; it is closed so the set stays small.
 */
export interface MinedNoncesData {
  contiguous: number;
  above: number[];
}

/** Mined nonces above a hole at most: past this the hole is closed (it will not be reported any more). */
const MAX_ABOVE = 1_000;

export class MinedNonces {
  private contiguous: number;
  private readonly above: Set<number>;
  private highest: number;

  constructor(data: MinedNoncesData = { contiguous: 0, above: [] }) {
    this.contiguous = data.contiguous;
    this.above = new Set(data.above);
    this.highest = Math.max(data.contiguous, ...data.above.map((n) => n + 1));
  }

  /** Every nonce below this is mined (by chain order), counted or not. */
  get minedBelow(): number {
    return this.highest;
  }

  counted(nonce: number): boolean {
    return nonce < this.contiguous || this.above.has(nonce);
  }

  /** Counts `nonce` as mined. True when that closed a hole: nonces never mined are now counted too. */
  add(nonce: number): boolean {
    if (this.counted(nonce)) return false;
    this.highest = Math.max(this.highest, nonce + 1);
    if (nonce === this.contiguous) {
      this.contiguous += 1;
      while (this.above.delete(this.contiguous)) this.contiguous += 1;
      return false;
    }
    this.above.add(nonce);
    if (this.above.size <= MAX_ABOVE) return false;
    this.contiguous = Math.min(...this.above);
    while (this.above.delete(this.contiguous)) this.contiguous += 1;
    return true;
  }

  toJSON(): MinedNoncesData {
    return { contiguous: this.contiguous, above: [...this.above] };
  }
}
