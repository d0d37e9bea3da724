/**
 * AccountDO: one per sender account. A thin stateful shell around the nonce ledger and the sender
 * pipeline. Its key is derived from the configured secret and its index whenever the object
 * starts; only the index, chain and endpoint are stored.
 */
import { DurableObject } from "cloudflare:workers";
import type { LocalAccount } from "viem/accounts";
import { funderSource, readConfig, type Env } from "../config";
import { fetchPendingNonce } from "../chain/node-queries";
import { JsonRpcClient } from "../chain/rpc";
import { selfTransfer } from "../tx/eth-transfer";
import { unlabelled, type BuildTransaction, type FeeQuote, type TransactionType } from "../tx/types";
import { senderSigner } from "./signer";
import { signerForLayer } from "./layer-signer";
import { NonceLedger, type LedgerSnapshot } from "./nonce-ledger";
import { ResultOutbox, type Delivery } from "./result-outbox";
import { asHousekeeping, emptyBurst, lookUpTransactions, sendBurst, type BurstResult, type SenderDeps } from "./send-burst";
import { rebroadcastRaw, replaceStuck } from "./stuck-transactions";
import { sendSetup } from "./send-setup";
import { prepareWorkload, type WorkloadRequest, type PreparedWorkload } from "./prepare-workload";
import { EMPTY_WORKLOAD, emptyTipCounts, workloadBuilder, type AccountWorkload, type BuildCounters } from "./workload";
import { sweepBalance, type SweepOutcome } from "./sweep";
import { SignedAheadWindow, type WindowKey } from "./signed-ahead";
import { TYPE_SPECS } from "../tx/builders";
import { claimBurst, missedShare, sendTimedBurst, type TimedBurstOrder, type TimedBurstResult } from "./timed-burst";

export interface AccountSetup {
  index: number;
  chainId: number;
  rpcUrl: string;
  /** The run's layer needs legacy (type-0) transactions: every transaction this object signs is one. */
  legacy?: boolean;
}

export interface BurstSlice {
  /** Types and how many of each, in the order they are built. */
  mix: Array<[TransactionType, number]>;
  fees: FeeQuote;
  /** Not sent if not signed by then (ms since the epoch): the run's end of sending. */
  sendBy?: number;
}

export const sliceCount = (slice: Pick<BurstSlice, "mix">): number => slice.mix.reduce((sum, [, n]) => sum + n, 0);

/** What the coordinator tells every call: what it has stored, and what the chain has mined. */
export interface CallContext {
  /** Results up to this number are in the coordinator's checkpoint and may leave the outbox. */
  ack: number;
  /** Every nonce below this is mined: the ledger rows can go. */
  minedBelow: number;
}

export interface Collected {
  deliveries: Delivery[];
  /** Ask again: a call is still under way here, or more results wait than one answer carries. */
  again: boolean;
}

const SETUP_KEY = "setup";
const WORKLOAD_KEY = "workload";
const COUNTERS_KEY = "counters";
/** A caller that stores nothing and knows of nothing mined (tests, one-off calls). */
const NO_CONTEXT: CallContext = { ack: 0, minedBelow: 0 };
/** Results per `collect` answer: bounded, so an answer stays small whatever was missed. */
const COLLECT_LIMIT = 200;

export class AccountDO extends DurableObject<Env> {
  private readonly ledger: NonceLedger;
  private readonly outbox: ResultOutbox;
  private readonly ahead: SignedAheadWindow;
  private signer: LocalAccount | undefined;
  private rpc: JsonRpcClient | undefined;
  private workload: AccountWorkload | undefined;
  private counters: BuildCounters | undefined;
  /** Calls of this instance still under way, and who waits for there to be none. */
  private running = 0;
  private idleWaiters: Array<() => void> = [];
  private sweeping: Promise<SweepOutcome> | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.ledger = new NonceLedger(ctx.storage.sql);
    this.outbox = new ResultOutbox(ctx.storage);
    this.ahead = new SignedAheadWindow(this.ledger);
    // A new instance has no send under way: reservations left by a dead one were never signed.
    this.ledger.releaseOrphans();
  }

  /** Binds the object to a sender index and endpoint; returns the sender's address. */
  async prepare(setup: AccountSetup): Promise<{ address: string }> {
    this.ctx.storage.kv.put(SETUP_KEY, setup);
    // A new run starts plain: its preparation sets what its types need.
    this.ctx.storage.kv.put(WORKLOAD_KEY, EMPTY_WORKLOAD);
    this.workload = undefined;
    this.signer = undefined;
    this.rpc = undefined;
    return { address: this.deps().signer.address };
  }

  /**
   * Readies the account for the run's transaction types: reads the NFTs it holds, raises a type's
   * gas limit where the node's estimate says more, and stores it all with fresh build counters.
   */
  async prepareWorkload(request: WorkloadRequest): Promise<PreparedWorkload> {
    const deps = this.deps();
    const prepared = await prepareWorkload(deps.rpc, deps.signer.address, request, async (calls) => {
      if (calls.length === 0) return;
      await this.startLedger(deps);
      await sendSetup(deps, calls, request.fees);
    });
    // The estimates awaited: a burst of this run cannot have started (preparation comes first).
    this.workload = prepared.workload;
    this.counters = {};
    this.ctx.storage.kv.put(WORKLOAD_KEY, this.workload);
    this.ctx.storage.kv.put(COUNTERS_KEY, this.counters);
    return prepared;
  }

  /**
   * Starts the ledger and the outbox over for a new run, from the node's pending nonce. It first
   * waits for every call still under way (a run that was reset may have left a submission in
   * flight: it must settle in the old ledger, not land in the new one), then resolves outcomes an
   * earlier run left unknown, so a transaction the node holds is never signed over.
   */
  async syncNonce(): Promise<{ address: string; nonce: number }> {
    const deps = this.deps();
    return { address: deps.signer.address, nonce: await this.startLedger(deps) };
  }

  /** The ledger and outbox start over from the node's pending nonce, once nothing is under way or unknown. */
  private async startLedger(deps: SenderDeps): Promise<number> {
    await this.whenIdle();
    await this.ahead.idle();
    await this.resolveUnknown(deps);
    const nonce = await fetchPendingNonce(deps.rpc, deps.signer.address);
    this.ledger.reset(nonce);
    this.ahead.forget();
    this.outbox.clear();
    return nonce;
  }

  /**
   * Sends `count` transactions. Outcomes left unknown by an earlier burst (the node could not even
   * be asked) are settled first, so a nonce the node never got is reused before the gap grows.
   */
  async burst(slice: BurstSlice, context: CallContext = NO_CONTEXT): Promise<Delivery> {
    this.housekeep(context);
    return this.deliver(async () => {
      const deps = this.deps();
      await this.resolveUnknown(deps);
      // A fill under way reserved the next nonces: they are this burst's first. Nothing awaits
      // between here and the reservation, so no other call can reserve in between.
      await this.ahead.idle();
      const count = sliceCount(slice);
      const key = this.aheadKey(slice);
      this.ahead.noteDemand(Date.now(), count);
      if (!key) this.ahead.drop();
      const preSigned = key ? this.ahead.take(key, count) : [];
      const mix = key ? [[key.type, count - preSigned.length] as [TransactionType, number]] : slice.mix;
      const result = await this.withWorkload(mix, (build) => sendBurst({ ...deps, build }, count, slice.fees, slice.sendBy, preSigned));
      // Between this send and the next, the window signs what the next one will likely ask for.
      if (key && slice.sendBy !== undefined) this.refill(deps, key, slice.sendBy);
      return result;
    });
  }

  /** What a slice may take from the signed-ahead window: one type that may be signed ahead, and no drawn tips. */
  private aheadKey(slice: BurstSlice): WindowKey | undefined {
    if (slice.mix.length !== 1 || this.loadWorkload().tipPolicy) return undefined;
    const [type] = slice.mix[0];
    return TYPE_SPECS[type].signAhead ? { type, fees: slice.fees } : undefined;
  }

  /** Starts signing the window up to its target; the builders' counters advance now, before any await. */
  private refill(deps: SenderDeps, key: WindowKey, sendBy: number): void {
    const target = this.ahead.target(Date.now(), sendBy);
    if (target <= this.ahead.size) return;
    const counters = this.buildCounters();
    void this.ahead.fill({ ...deps, build: workloadBuilder(this.loadWorkload(), counters, [[key.type, 1]], emptyTipCounts()) }, key, target, sendBy);
    this.ctx.storage.kv.put(COUNTERS_KEY, counters);
  }

  /** A share of a burst-pattern burst: signed now, released at `order.plannedAt` with the other objects' shares. */
  async timedBurst(order: TimedBurstOrder, context: CallContext = NO_CONTEXT): Promise<Delivery<BurstResult & Partial<TimedBurstResult>>> {
    this.housekeep(context);
    const repeat = !claimBurst(this.ctx.storage.kv, order.plannedAt);
    return this.deliver(async () => {
      const deps = this.deps();
      if (repeat) return emptyBurst(deps.signer.address);
      if (order.again && Date.now() >= order.plannedAt) return missedShare(deps.signer.address, order.plannedAt);
      await this.dropWindow();
      await this.resolveUnknown(deps);
      return this.withWorkload(order.mix, (build) => sendTimedBurst({ ...deps, build }, order));
    });
  }

  /**
   * Sends with the run's workload builder. `send` builds every transaction before its first await
   * (the sender reserves and builds synchronously), so the counters stored right after are final.
   */
  private async withWorkload<R extends BurstResult>(mix: BurstSlice["mix"], send: (build: BuildTransaction) => Promise<R>): Promise<R> {
    const tips = emptyTipCounts();
    const counters = this.buildCounters();
    const sending = send(workloadBuilder(this.loadWorkload(), counters, mix, tips));
    this.ctx.storage.kv.put(COUNTERS_KEY, counters);
    const result = await sending;
    return this.loadWorkload().tipPolicy ? { ...result, tips } : result;
  }

  /**
   * The results the coordinator has not stored yet (after a lost answer, or its own restart),
   * with outcomes left unknown resolved first when nothing else is under way.
   */
  async collect(context: CallContext): Promise<Collected> {
    this.housekeep(context);
    if (this.running === 0 && this.ledger.initialized && this.ledger.unknownSlots().length > 0) {
      this.running += 1;
      try {
        await this.resolveUnknown(this.deps());
      } finally {
        this.finished();
      }
    }
    const deliveries = this.outbox.since(context.ack, COLLECT_LIMIT);
    return { deliveries, again: this.running > 0 || deliveries.length === COLLECT_LIMIT };
  }

  /** Sends these nonces' transactions again, byte for byte: the node lost them or sits on them. */
  async rebroadcast(nonces: number[]): Promise<Delivery> {
    return this.deliver(() => rebroadcastRaw(this.deps(), this.ledger.sentSlots(nonces).map((s) => s.raw!)));
  }

  /** Replaces stuck transactions at their nonces with a fee bump (same payload). */
  async replace(nonces: number[], fees: FeeQuote): Promise<Delivery> {
    return this.deliver(() => replaceStuck(this.deps(), this.ledger.sentSlots(nonces), fees));
  }

  /**
   * End of a run: what was not mined within the grace period gives its nonce to a 0-value
   * self-transfer with a fee bump, so the account has no hole or pending transaction left behind.
   * Those self-transfers are housekeeping, not load.
   */
  async close(nonces: number[], fees: FeeQuote): Promise<Delivery> {
    return this.deliver(async () => {
      await this.dropWindow();
      return asHousekeeping(await replaceStuck(this.deps(), this.ledger.sentSlots(nonces), fees, selfTransfer));
    });
  }

  /**
   * Resync (circuit breaker): asks the node for the pending nonce. Above the ledger, something else
   * used nonces and the ledger moves up; below it, the node lost transactions it had accepted, and
   * they are sent again unchanged — never re-signed, so never two transactions for one nonce.
   */
  async resync(): Promise<Delivery> {
    return this.deliver(async () => {
      const deps = this.deps();
      await this.dropWindow();
      await this.resolveUnknown(deps);
      let nodeNonce: number;
      try {
        nodeNonce = await fetchPendingNonce(deps.rpc, deps.signer.address);
      } catch {
        // The node does not answer (likely, when the breaker trips): the next trip asks again.
        return emptyBurst(deps.signer.address);
      }
      const next = this.ledger.next();
      if (nodeNonce >= next) {
        this.ledger.raiseFloor(nodeNonce);
        return emptyBurst(deps.signer.address);
      }
      const lost = Array.from({ length: next - nodeNonce }, (_, i) => nodeNonce + i);
      return rebroadcastRaw(deps, this.ledger.sentSlots(lost).map((s) => s.raw!));
    });
  }

  /**
   * End of sending: resolve what is unknown, then close every nonce that was rolled back and never
   * reused with a 0-value self-transfer (housekeeping), so no later transaction of this account
   * waits on a gap.
   */
  async settle(fees: FeeQuote): Promise<Delivery<BurstResult & { clean: boolean; next: number }>> {
    return this.deliver(async () => {
      const deps = this.deps();
      // Sending is over: the window's nonces go back before the ledger is checked for gaps.
      await this.dropWindow();
      await this.resolveUnknown(deps);
      const gaps = this.ledger.snapshot().free.length;
      const fills = asHousekeeping(await sendBurst({ ...deps, build: unlabelled(selfTransfer) }, gaps, fees));
      // Clean: nothing left to resolve or to fill. Otherwise the coordinator asks again next tick.
      const after = this.ledger.snapshot();
      return { ...fills, clean: after.free.length === 0 && after.unknown.length === 0, next: after.next };
    });
  }

  /**
   * POST /recycle: sends the balance, less the transfer's fee, to `to`, through the ledger like any
   * transaction, after starting the ledger over from the node as a run does. A call made while a
   * sweep is under way joins it instead of signing a second one.
   */
  async sweep(setup: AccountSetup, to: `0x${string}`, fees: FeeQuote): Promise<SweepOutcome> {
    this.sweeping ??= (async () => {
      try {
        await this.prepare(setup);
        await this.syncNonce();
        this.running += 1;
        try {
          return await sweepBalance(this.deps(), to, fees);
        } finally {
          this.finished();
        }
      } finally {
        this.sweeping = undefined;
      }
    })();
    return this.sweeping;
  }

  async ledgerSnapshot(): Promise<LedgerSnapshot & { rows: number; address: string; signedAhead: number }> {
    return { ...this.ledger.snapshot(), rows: this.ledger.size(), address: this.deps().signer.address, signedAhead: this.ahead.size };
  }

  /** Runs a call, counted as under way, and stores its result in the outbox before returning it. */
  private async deliver<R extends BurstResult>(work: () => Promise<R>): Promise<Delivery<R>> {
    this.running += 1;
    try {
      return this.outbox.deliver(await work());
    } finally {
      this.finished();
    }
  }

  /** Gives the signed-ahead window back, once a fill under way has finished. */
  private async dropWindow(): Promise<void> {
    await this.ahead.idle();
    this.ahead.drop();
  }

  private finished(): void {
    this.running -= 1;
    if (this.running === 0) for (const wake of this.idleWaiters.splice(0)) wake();
  }

  private whenIdle(): Promise<void> {
    return this.running === 0 ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private housekeep({ ack, minedBelow }: CallContext): void {
    this.outbox.acknowledge(ack);
    if (this.ledger.initialized) this.ledger.pruneMined(minedBelow);
  }

  /**
   * Asks the node about outcomes left unknown (an answer lost, an instance that died mid-send) and
   * settles them in the ledger. What it settled is delivered at once, as a result of its own: the
   * ledger has changed, so the report must not depend on whatever the calling method does next.
   */
  private async resolveUnknown(deps: SenderDeps): Promise<void> {
    if (!this.ledger.initialized) return;
    const unknown = this.ledger.unknownSlots();
    if (unknown.length === 0) return;
    const known = await lookUpTransactions(deps.rpc, unknown.map((u) => u.txHash));
    if (!known) return;
    const result = emptyBurst(deps.signer.address);
    unknown.forEach((slot, i) => {
      if (!this.ledger.resolve(slot.nonce, slot.txHash, known[i])) return;
      const tx = { hash: slot.txHash, nonce: slot.nonce, sentAt: slot.sentAt ?? Date.now() };
      if (known[i]) result.sent.push(tx);
      else result.failed.push({ ...tx, errorClass: "unknown", message: "the node does not have the transaction" });
    });
    if (result.sent.length + result.failed.length > 0) this.outbox.deliver(result);
  }

  private loadWorkload(): AccountWorkload {
    this.workload ??= this.ctx.storage.kv.get<AccountWorkload>(WORKLOAD_KEY) ?? EMPTY_WORKLOAD;
    return this.workload;
  }

  private buildCounters(): BuildCounters {
    this.counters ??= this.ctx.storage.kv.get<BuildCounters>(COUNTERS_KEY) ?? {};
    return this.counters;
  }

  private deps(): SenderDeps {
    const setup = this.ctx.storage.kv.get<AccountSetup>(SETUP_KEY);
    if (!setup) throw new Error("account object used before prepare()");
    if (!this.signer || !this.rpc) {
      const source = funderSource(this.env, setup.chainId);
      if (!source) throw new Error("no funder secret configured for this chain");
      const config = readConfig(this.env);
      this.signer = signerForLayer(senderSigner(source, setup.index, config.signer), setup.legacy === true);
      this.rpc = new JsonRpcClient(setup.rpcUrl, undefined, { maxResponseBytes: config.rpcMaxResponseBytes });
    }
    return { ledger: this.ledger, signer: this.signer, rpc: this.rpc, chainId: setup.chainId, build: unlabelled(selfTransfer) };
  }
}
