/**
 * The run's account objects as the coordinator drives them. Calls are fired without waiting: the
 * tick goes on while objects sign and send, each answer is folded into the tracker when it
 * arrives, and every call is counted in flight so that an account gets no more calls at once than
 * the run allows (`batchesInFlight`) and the stop sequence can wait until all have answered.
 *
 * Every result carries its number in the account's outbox and is folded in exactly once. A lost
 * answer (a broken call, or the coordinator's own restart) is not lost: the account keeps the
 * result until a checkpoint holds it, and the fleet collects it before giving the account new work.
 */
import type { Env } from "../config";
import { sliceCount, type AccountDO, type BurstSlice, type CallContext } from "../account/account-do";
import type { Delivery } from "../account/result-outbox";
import type { BurstResult } from "../account/send-burst";
import type { TimedBurstOrder, TimedBurstResult } from "../account/timed-burst";
import { RpcError } from "../errors";
import type { FeeQuote } from "../tx/types";
import { recordBurstOutcome, type BreakerState } from "./circuit-breaker";
import { recordRequests, type RateLimitState } from "./rate-limit";
import { accountStub } from "./initialize";
import type { BurstShareReport } from "./burst-stats";
import type { AccountSlot } from "./run-state";
import type { RunTracker, StuckTransactions } from "./tracker";

/** Which results of an account have been folded in: all through `applied`, and these above it. */
export interface DeliveryMark {
  applied: number;
  above: number[];
}

export class AccountFleet {
  private readonly inflight = new Map<number, number>();
  private readonly byAddress: Map<string, AccountSlot>;
  private readonly marks = new Map<number, { applied: number; above: Set<number> }>();
  /** What the last checkpoint holds, per account: the account may drop its results up to here. */
  private readonly acked = new Map<number, number>();
  private readonly dirty = new Set<number>();
  /** Accounts whose results must be collected before they get new work. */
  private readonly toCollect = new Set<number>();
  /** Burst shares folded in since the last `takeBurstReports()`: they go into the same checkpoint as the marks. */
  private burstReports: BurstShareReport[] = [];
  inflightTotal = 0;
  /** Load transactions handed to account objects whose answer has not come yet. */
  inflightTx = 0;
  /** When each load call was answered and how many transactions it carried: the last second's throughput. */
  private readonly answers: Array<[at: number, count: number]> = [];

  constructor(
    private readonly env: Env,
    readonly slots: AccountSlot[],
    private readonly tracker: RunTracker,
    private readonly breaker: BreakerState,
    private readonly rateLimit: RateLimitState,
    restored?: Array<[index: number, mark: DeliveryMark]>,
  ) {
    this.byAddress = new Map(slots.map((s) => [s.address.toLowerCase(), s]));
    for (const [index, mark] of restored ?? []) {
      this.marks.set(index, { applied: mark.applied, above: new Set(mark.above) });
      this.acked.set(index, mark.applied);
    }
    // After a restart, anything may have happened since the checkpoint: ask every account first.
    if (restored) for (const slot of slots) this.toCollect.add(slot.index);
  }

  /** No call of this account is under way and nothing of it waits to be collected. */
  idle(index: number): boolean {
    return this.hasRoom(index, 1);
  }

  /** Fewer than `calls` calls of this account are under way, and nothing of it waits to be collected. */
  hasRoom(index: number, calls: number): boolean {
    return (this.inflight.get(index) ?? 0) < calls && !this.toCollect.has(index);
  }

  /** Calls under way, or results still to collect: the stop sequence waits for none. */
  get busy(): boolean {
    return this.inflightTotal > 0 || this.toCollect.size > 0;
  }

  stub(slot: AccountSlot): DurableObjectStub<AccountDO> {
    return accountStub(this.env, slot.region, slot.index);
  }

  slotOf(address: string): AccountSlot {
    const slot = this.byAddress.get(address.toLowerCase());
    if (!slot) throw new Error(`no account object for ${address}`);
    return slot;
  }

  /** A slice of the rate. Its transactions feed the circuit breaker; its send requests, the rate limit. */
  burst(slot: AccountSlot, slice: BurstSlice): void {
    const count = sliceCount(slice);
    this.inflightTx += count;
    const call = this.stub(slot)
      .burst(slice, this.context(slot))
      .finally(() => {
        this.inflightTx -= count;
        this.answers.push([Date.now(), count]);
      });
    this.fire(slot, call, (result) => this.recordSends(result));
  }

  /** Load transactions answered over the last second (sent, failed or given back alike). */
  answeredLastSecond(now: number): number {
    while (this.answers.length > 0 && now - this.answers[0][0] > 1_000) this.answers.shift();
    return this.answers.reduce((sum, [, count]) => sum + count, 0);
  }

  /** A share of a planned burst (burst pattern): signed now, released at `order.plannedAt`. */
  timedBurst(slot: AccountSlot, order: TimedBurstOrder): void {
    this.fire(slot, this.stub(slot).timedBurst(order, this.context(slot)), (result) => this.recordSends(result));
  }

  /** Burst shares folded in since the last call. The caller stores them with the delivery marks. */
  takeBurstReports(): BurstShareReport[] {
    const reports = this.burstReports;
    this.burstReports = [];
    return reports;
  }

  /** The breaker tripped: every account resyncs its nonce with the node. */
  resyncAll(): void {
    for (const slot of this.slots) this.fire(slot, this.stub(slot).resync());
  }

  /** Stuck transactions: re-broadcast unchanged, or replaced with a fee bump. */
  nudge(stuck: StuckTransactions, fees: FeeQuote): void {
    for (const [address, nonces] of stuck.rebroadcast) {
      const slot = this.slotOf(address);
      this.fire(slot, this.stub(slot).rebroadcast(nonces));
    }
    for (const [address, nonces] of stuck.replace) {
      const slot = this.slotOf(address);
      this.fire(slot, this.stub(slot).replace(nonces, fees));
    }
  }

  /** Collects what idle accounts owe (lost answers, a restart), one call per account at a time. */
  collectOwed(): void {
    for (const index of this.toCollect) {
      if ((this.inflight.get(index) ?? 0) > 0) continue;
      const slot = this.slots[index];
      this.track(slot, this.stub(slot).collect(this.context(slot)), ({ deliveries, again }) => {
        for (const d of deliveries) this.apply(slot, d);
        if (!again) this.toCollect.delete(index);
      }, () => {});
    }
  }

  /** Awaited calls for the stop sequence; a failing account is counted and collected later. */
  async call<R extends BurstResult>(slot: AccountSlot, work: (account: DurableObjectStub<AccountDO>) => Promise<Delivery<R>>): Promise<R | undefined> {
    try {
      const result = await work(this.stub(slot));
      this.apply(slot, result);
      return result;
    } catch (err) {
      this.tracker.recordLostBurst(errorClassOf(err));
      this.toCollect.add(slot.index);
      return undefined;
    }
  }

  /** Delivery marks changed since the last call. The caller stores them: they become the accounts' acks. */
  takeChanges(): Array<[number, DeliveryMark]> {
    const out: Array<[number, DeliveryMark]> = [];
    for (const index of this.dirty) {
      const mark = this.marks.get(index)!;
      out.push([index, { applied: mark.applied, above: [...mark.above] }]);
      this.acked.set(index, mark.applied);
      // A hole below a result already folded in: an answer that never came. Ask for it.
      if (mark.above.size > 0) this.toCollect.add(index);
    }
    this.dirty.clear();
    return out;
  }

  /** A send's transactions feed the circuit breaker; its requests, the rate limit. */
  private recordSends(result: BurstResult): void {
    recordBurstOutcome(this.breaker, result);
    recordRequests(this.rateLimit, result.requests, Date.now());
  }

  private context(slot: AccountSlot): CallContext {
    return { ack: this.acked.get(slot.index) ?? 0, minedBelow: this.tracker.minedBelow(slot.address) };
  }

  /** Folds a result in unless it was already; true if it was new. */
  private apply(slot: AccountSlot, delivery: Delivery): boolean {
    const mark = this.marks.get(slot.index) ?? { applied: 0, above: new Set<number>() };
    this.marks.set(slot.index, mark);
    if (delivery.seq <= mark.applied || mark.above.has(delivery.seq)) return false;
    mark.above.add(delivery.seq);
    while (mark.above.delete(mark.applied + 1)) mark.applied += 1;
    this.dirty.add(slot.index);
    this.tracker.recordBurst(delivery, slot.region);
    const { timing, missed } = delivery as Partial<TimedBurstResult>;
    if (timing) {
      const sent = delivery.sent.filter((tx) => !tx.housekeeping).length;
      this.burstReports.push({ timing, region: slot.region, account: slot.index, sent, failed: delivery.failed.length, ...(missed ? { missed } : {}) });
    }
    return true;
  }

  private fire(slot: AccountSlot, call: Promise<Delivery>, then?: (r: Delivery) => void): void {
    this.track(slot, call, (result) => {
      if (this.apply(slot, result)) then?.(result);
    }, () => this.toCollect.add(slot.index));
  }

  private track<T>(slot: AccountSlot, call: Promise<T>, onAnswer: (answer: T) => void, onLost: () => void): void {
    this.inflight.set(slot.index, (this.inflight.get(slot.index) ?? 0) + 1);
    this.inflightTotal += 1;
    void call
      .then(onAnswer)
      .catch((err) => {
        // The object restarted or the call broke: its outbox still holds whatever it produced.
        this.tracker.recordLostBurst(errorClassOf(err));
        onLost();
      })
      .finally(() => {
        this.inflight.set(slot.index, (this.inflight.get(slot.index) ?? 1) - 1);
        this.inflightTotal -= 1;
      });
  }
}

const errorClassOf = (err: unknown) => (err instanceof RpcError ? err.errorClass : "unknown");
