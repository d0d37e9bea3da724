/**
 * The run's account objects as the coordinator drives them. Calls are fired without waiting: the
 * tick goes on while objects sign and send, each answer is folded into the tracker when it
 * arrives, and every call is counted in flight so that an account gets one call at a time and the
 * stop sequence can wait until all have answered.
 */
import type { Env } from "../config";
import type { AccountDO, BurstSlice } from "../account/account-do";
import type { BurstResult } from "../account/send-burst";
import { RpcError } from "../errors";
import type { FeeQuote } from "../tx/types";
import { recordBurstOutcome, type BreakerState } from "./circuit-breaker";
import { recordRequests, type RateLimitState } from "./rate-limit";
import { accountStub } from "./initialize";
import type { AccountSlot } from "./run-state";
import type { RunTracker, StuckTransactions } from "./tracker";

export class AccountFleet {
  private readonly inflight = new Map<number, number>();
  private readonly byAddress: Map<string, AccountSlot>;
  inflightTotal = 0;

  constructor(
    private readonly env: Env,
    readonly slots: AccountSlot[],
    private readonly tracker: RunTracker,
    private readonly breaker: BreakerState,
    private readonly rateLimit: RateLimitState,
  ) {
    this.byAddress = new Map(slots.map((s) => [s.address.toLowerCase(), s]));
  }

  /** No call of this account is under way. */
  idle(index: number): boolean {
    return (this.inflight.get(index) ?? 0) === 0;
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
    const account = this.stub(slot);
    this.fire(slot, account.burst(slice), (result) => {
      recordBurstOutcome(this.breaker, result);
      recordRequests(this.rateLimit, result.requests, Date.now());
    }, () => this.recover(account, slot));
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

  /** Awaited calls for the stop sequence; a failing account is counted and left for the next tick. */
  async call<R extends BurstResult>(slot: AccountSlot, work: (account: DurableObjectStub<AccountDO>) => Promise<R>): Promise<R | undefined> {
    try {
      const result = await work(this.stub(slot));
      this.tracker.recordBurst(result, slot.region);
      return result;
    } catch (err) {
      this.tracker.recordLostBurst(errorClassOf(err));
      return undefined;
    }
  }

  private fire(slot: AccountSlot, call: Promise<BurstResult>, then?: (r: BurstResult) => void, onLost?: () => Promise<void>): void {
    this.inflight.set(slot.index, (this.inflight.get(slot.index) ?? 0) + 1);
    this.inflightTotal += 1;
    void call
      .then((result) => {
        this.tracker.recordBurst(result, slot.region);
        then?.(result);
      })
      .catch(async (err) => {
        this.tracker.recordLostBurst(errorClassOf(err));
        await onLost?.();
      })
      .finally(() => {
        this.inflight.set(slot.index, (this.inflight.get(slot.index) ?? 1) - 1);
        this.inflightTotal -= 1;
      });
  }

  /** A lost answer (the object restarted, the call broke): its ledger knows what was signed. */
  private async recover(account: DurableObjectStub<AccountDO>, slot: AccountSlot): Promise<void> {
    try {
      this.tracker.recordBurst(await account.recover(), slot.region);
    } catch {
      // Still unreachable: settle resolves the same ledger at the end of the run.
    }
  }
}

const errorClassOf = (err: unknown) => (err instanceof RpcError ? err.errorClass : "unknown");
