/**
 * RunCoordinator: one Durable Object per run. Its alarm is the run's clock: every tick it follows
 * new blocks, hands each account object its slice of the rate, and writes what finished to D1.
 * The decisions live in plain modules (patterns, dispatch, tracker, verify); this is the shell
 * that holds the state and sequences them.
 */
import { DurableObject } from "cloudflare:workers";
import { DEFAULT_TIP_WEI, readConfig, type Env, type RuntimeConfig } from "../config";
import type { StartTestRequest } from "../api/schemas";
import { database, insertTimeSeries, insertTxLogs, updateRun } from "../db/queries";
import { feeCap, fetchBlocks, parseBlock } from "../chain/node-queries";
import { JsonRpcClient } from "../chain/rpc";
import { RpcError } from "../errors";
import type { InitPhase, TestMetrics } from "../metrics/test-metrics";
import { AccountFleet } from "./account-fleet";
import { DEFAULT_BREAKER, allowedRate, evaluate, newBreaker, type BreakerConfig } from "./circuit-breaker";
import { distribute, takeFromBudget } from "./dispatch";
import { DEFAULT_RATE_LIMIT, limitRate, newRateLimit } from "./rate-limit";
import { initializeRun, mapInChunks, planAccounts } from "./initialize";
import { buildMetrics, runRowFields, timeSeriesRows } from "./run-report";
import { rateAt } from "./patterns";
import { TERMINAL, type AccountSlot, type LiveRun, type RunRecord } from "./run-state";
import { RunTracker } from "./tracker";
import { verifyRun, type Verification } from "./verify";

const RUN_KEY = "run";
const ACCOUNTS_KEY = "accounts";
const FINAL_KEY = "final";
/**
 * Backpressure: an account object gets a new burst only once its last call has answered (the
 * fleet's `idle`), and a burst is at most one JSON-RPC batch. When the objects cannot keep up
 * (signing is CPU), the rate falls to what they sustain instead of piling up work that starves the
 * tick and the API.
 */
const MAX_BURST = 200;
/** Work owed from a late tick is carried for at most this many ticks. */
const MAX_OWED_TICKS = 2;
/** Blocks fetched per tick at most; a longer backlog is worked off over the next ticks. */
const MAX_BLOCKS_PER_TICK = 100;
const RUN_ROW_WRITE_INTERVAL_MS = 5_000;
/** Verification reads every block of the run; a node that keeps failing it gets this many ticks. */
const MAX_VERIFY_ATTEMPTS = 20;

function unverifiable(run: RunRecord, live: LiveRun, err: unknown): Verification {
  return {
    verified: false,
    fromBlock: (run.startBlock ?? 0) + 1,
    toBlock: live.lastBlock,
    includedOnChain: -1,
    txConfirmed: live.tracker.txConfirmed,
    accountsChecked: 0,
    accountsWithGaps: -1,
    poolLeftovers: -1,
    poolCheck: "txpool_content",
    problems: [`the node did not answer the verification: ${err instanceof Error ? err.message : String(err)}`],
  };
}

export class RunCoordinator extends DurableObject<Env> {
  private live: LiveRun | undefined;
  private accountSlots: AccountSlot[] | undefined;
  private readonly config: RuntimeConfig = readConfig(this.env);
  private readonly rpc = new JsonRpcClient(this.config.builderRpcUrl);
  private readonly db = database(this.env.DB);

  /** Starts the run: the first alarm initializes it, the following ones tick. */
  async begin(runId: string, request: StartTestRequest, chainId: number, createdAt: number): Promise<void> {
    if (this.record()) throw new Error(`run ${runId} already began`);
    const run: RunRecord = {
      runId,
      request,
      chainId,
      createdAt,
      status: "initializing",
      initPhase: null,
      stopRequested: false,
      stopPhase: null,
      numAccounts: 0,
      regions: [],
      startedAt: null,
      sendingEndedAt: null,
      graceDeadline: null,
      startBlock: null,
      endBlock: null,
      verification: null,
      error: null,
    };
    Object.assign(run, planAccounts(run, this.config));
    this.save(run);
    await this.ctx.storage.setAlarm(Date.now());
  }

  async requestStop(): Promise<{ status: string }> {
    const run = this.record();
    if (!run || TERMINAL.includes(run.status)) return { status: run?.status ?? "idle" };
    run.stopRequested = true;
    this.save(run);
    return { status: "stopping" };
  }

  /**
   * `/reset`: ends the run at once, without settling or verifying, and releases the one-run lock.
   * For a run that cannot end by itself (a node gone for good, a coordinator that lost its state).
   */
  async reset(): Promise<{ status: string }> {
    const run = this.record();
    if (!run || TERMINAL.includes(run.status)) return { status: run?.status ?? "idle" };
    await this.fail(run, new Error("reset by request: not settled, not verified"));
    return { status: "error" };
  }

  async metrics(): Promise<TestMetrics | null> {
    const final = this.ctx.storage.kv.get<TestMetrics>(FINAL_KEY);
    if (final) return final;
    const run = this.record();
    return run ? buildMetrics(run, this.accounts(), this.live, Date.now()) : null;
  }

  async alarm(): Promise<void> {
    const run = this.record();
    if (!run || TERMINAL.includes(run.status)) return;
    try {
      if (run.status === "initializing") await this.initialize(run);
      else if (!this.live) throw new Error("the coordinator restarted mid-run and lost its live state");
      else await this.tick(run, this.live);
    } catch (err) {
      await this.fail(run, err);
    }
  }

  private async initialize(run: RunRecord): Promise<void> {
    const tip = run.request.tipGwei === undefined ? DEFAULT_TIP_WEI : BigInt(Math.round(run.request.tipGwei * 1e9));
    const init = await initializeRun(this.env, this.rpc, run, tip, async (phase: InitPhase) => {
      run.initPhase = phase;
      this.save(run);
      await updateRun(this.db, run.runId, { status: "initializing" });
    });
    this.ctx.storage.kv.put(ACCOUNTS_KEY, init.accounts);
    this.accountSlots = init.accounts;
    const now = Date.now();
    Object.assign(run, { status: "running", initPhase: null, startedAt: now, startBlock: init.startBlock });
    this.save(run);
    const tracker = new RunTracker(now, init.startBlock);
    const breaker = newBreaker();
    const rateLimit = newRateLimit(now);
    this.live = {
      tracker,
      budget: { owed: 0 },
      cursor: 0,
      lastDispatchAt: now,
      lastBlock: init.startBlock,
      fees: init.fees,
      breaker,
      rateLimit,
      fleet: new AccountFleet(this.env, init.accounts, tracker, breaker, rateLimit),
      currentTarget: 0,
      lastRunRowWriteAt: now,
    };
    await updateRun(this.db, run.runId, { status: "running", startedAt: now, startBlock: init.startBlock, numAccounts: run.numAccounts });
    await this.ctx.storage.setAlarm(now);
  }

  private async tick(run: RunRecord, live: LiveRun): Promise<void> {
    const now = Date.now();
    // Arm the next tick first: a slow tick then runs the next one right after, never skips it.
    await this.ctx.storage.setAlarm(now + this.config.tickMs);
    await this.followBlocks(live);
    if (run.status === "running" && evaluate(live.breaker, this.breakerConfig(run), now) === "tripped") {
      live.fleet.resyncAll();
    }
    if (run.status === "running") {
      const endAt = (run.startedAt ?? now) + run.request.durationSec * 1000;
      if (!run.stopRequested) this.dispatch(run, live, Math.min(now, endAt));
      if (run.stopRequested || now >= endAt) this.beginStop(run, now);
    }
    // Nudges stop at the grace deadline, so the close step is not kept waiting on them.
    if (run.status === "running" || (run.stopPhase === "grace" && now < (run.graceDeadline ?? 0))) {
      const { stuckAfterMs, stuckAfterBlocks, rebroadcastsBeforeReplace } = this.config;
      live.fleet.nudge(live.tracker.takeStuck(now, live.lastBlock, stuckAfterMs, stuckAfterBlocks, rebroadcastsBeforeReplace), live.fees);
    }
    if (run.status === "verifying") await this.advanceStop(run, live, Date.now());
    if (!TERMINAL.includes(run.status)) await this.flush(run, live, Date.now(), false);
  }

  /** Sends what the pattern owes for the time since the last dispatch, sampled at its midpoint. */
  private dispatch(run: RunRecord, live: LiveRun, until: number): void {
    const midpoint = (live.lastDispatchAt + until) / 2 - (run.startedAt ?? until);
    const breakerRate = allowedRate(live.breaker, this.breakerConfig(run), rateAt(run.request, midpoint / 1000));
    // Sustained 429s: the AIMD cap, and no dispatch at all while a Retry-After is honoured.
    const rate = limitRate(live.rateLimit, DEFAULT_RATE_LIMIT, breakerRate, until);
    live.currentTarget = rate;
    const maxOwed = Math.max(1, (rate * this.config.tickMs * MAX_OWED_TICKS) / 1000);
    const count = takeFromBudget(live.budget, rate, until - live.lastDispatchAt, maxOwed);
    live.lastDispatchAt = until;
    const { slots } = live.fleet;
    const plan = distribute(count, slots.length, live.cursor, (a) => live.fleet.idle(a), MAX_BURST);
    live.cursor = plan.cursor;
    live.budget.owed += plan.unplaced;
    for (const slice of plan.slices) {
      live.fleet.burst(slots[slice.account], { count: slice.count, transactionType: run.request.transactionType, fees: live.fees });
    }
  }

  private breakerConfig(run: RunRecord): BreakerConfig {
    return { ...DEFAULT_BREAKER, ...run.request.circuitBreaker };
  }

  /** New blocks since the last tick, and today's fee quote. A node that does not answer is a figure of the run, not its end. */
  private async followBlocks(live: LiveRun): Promise<void> {
    try {
      const [latestOutcome, price] = await this.rpc.batch<unknown>([
        { method: "eth_getBlockByNumber", params: ["latest", false] },
        { method: "eth_gasPrice", params: [] },
      ]);
      if (!latestOutcome.ok) throw latestOutcome.error;
      if (!price.ok) throw price.error;
      const latest = parseBlock(latestOutcome.result as Parameters<typeof parseBlock>[0]);
      live.fees = {
        maxFeePerGas: feeCap(BigInt(price.result as string), latest.baseFeePerGas, BigInt(live.fees.maxPriorityFeePerGas)).toString(),
        maxPriorityFeePerGas: live.fees.maxPriorityFeePerGas,
      };
      if (latest.number <= live.lastBlock) return;
      const to = Math.min(latest.number, live.lastBlock + MAX_BLOCKS_PER_TICK);
      const blocks = to === latest.number && to === live.lastBlock + 1 ? [latest] : await fetchBlocks(this.rpc, live.lastBlock + 1, to);
      const seenAt = Date.now();
      for (const block of blocks) {
        live.tracker.recordBlock(block, seenAt);
        live.lastBlock = block.number;
      }
    } catch (err) {
      live.tracker.recordLostPoll(err instanceof RpcError ? err.errorClass : "unknown");
    }
  }

  private beginStop(run: RunRecord, now: number): void {
    Object.assign(run, { status: "verifying", stopPhase: "draining", sendingEndedAt: now });
    this.save(run);
  }

  /**
   * draining: wait for bursts under way, then resolve unknowns and close gaps until every account
   * is clean → grace: wait for inclusion (nudging what is stuck) → closing: replace what is left
   * with self-transfers → verify. Each step may fail on a node that does not answer; it is then
   * tried again on the next tick, within the grace deadline (verification: a few times).
   */
  private async advanceStop(run: RunRecord, live: LiveRun, now: number): Promise<void> {
    if (run.stopPhase === "draining") {
      if (live.fleet.inflightTotal > 0) return;
      live.unsettled ??= new Set(live.fleet.slots.map((s) => s.index));
      const pending = live.fleet.slots.filter((s) => live.unsettled!.has(s.index));
      await mapInChunks(pending, async (slot) => {
        const settled = await live.fleet.call(slot, (account) => account.settle(live.fees));
        if (settled?.clean) live.unsettled!.delete(slot.index);
      });
      const deadline = (run.sendingEndedAt ?? now) + this.config.gracePeriodMs;
      if (live.unsettled.size > 0 && now < deadline) return;
      Object.assign(run, { stopPhase: "grace", endBlock: live.lastBlock, graceDeadline: now + this.config.gracePeriodMs });
      this.save(run);
      return;
    }
    if (live.tracker.txPending > 0 && now < (run.graceDeadline ?? now)) return;
    if (run.stopPhase === "grace" && live.tracker.txPending > 0) {
      if (live.fleet.inflightTotal > 0) return; // a nudge under way touches the same nonces
      // What the grace period did not see mined is discarded, and its nonce closed.
      const leftovers = live.tracker.pendingByAccount();
      live.tracker.discardPending();
      await mapInChunks([...leftovers], ([address, nonces]) => live.fleet.call(live.fleet.slotOf(address), (account) => account.close(nonces, live.fees)));
      Object.assign(run, { stopPhase: "closing", graceDeadline: now + this.config.gracePeriodMs });
      this.save(run);
      return;
    }
    live.tracker.discardPending();
    try {
      run.verification = await verifyRun(this.rpc, (run.startBlock ?? 0) + 1, live.lastBlock, this.accounts(), live.tracker.txConfirmed);
    } catch (err) {
      live.verifyAttempts = (live.verifyAttempts ?? 0) + 1;
      if (live.verifyAttempts < MAX_VERIFY_ATTEMPTS) return;
      run.verification = unverifiable(run, live, err);
    }
    await this.finish(run, run.stopRequested ? "stopped" : "completed");
  }

  private async finish(run: RunRecord, status: "completed" | "stopped" | "error"): Promise<void> {
    run.status = status;
    run.stopPhase = null;
    this.save(run);
    const now = Date.now();
    if (this.live) await this.flush(run, this.live, now, true);
    const metrics = buildMetrics(run, this.accounts(), this.live, now);
    this.ctx.storage.kv.put(FINAL_KEY, metrics);
    await updateRun(this.db, run.runId, { ...runRowFields(run, metrics), active: null, endedAt: now });
    this.live = undefined;
    await this.ctx.storage.deleteAlarm();
  }

  private async fail(run: RunRecord, err: unknown): Promise<void> {
    run.error = err instanceof Error ? err.message : String(err);
    console.error(`run ${run.runId} failed: ${run.error}`);
    await this.finish(run, "error");
  }

  /** Writes closed seconds and finished transactions; `final` also closes the running second. */
  private async flush(run: RunRecord, live: LiveRun, now: number, final: boolean): Promise<void> {
    const seconds = live.tracker.closeSeconds(final ? now + 1000 : now);
    const logs = live.tracker.takeLogs();
    try {
      await insertTimeSeries(this.db, timeSeriesRows(run, live, seconds, now));
      await insertTxLogs(this.db, run.runId, logs);
      if (!final && now - live.lastRunRowWriteAt >= RUN_ROW_WRITE_INTERVAL_MS) {
        live.lastRunRowWriteAt = now;
        await updateRun(this.db, run.runId, runRowFields(run, buildMetrics(run, this.accounts(), live, now)));
      }
    } catch (err) {
      // D1 is one writer and may push back; keep the records for the next tick rather than lose them.
      live.tracker.requeueLogs(logs);
      console.error(`run ${run.runId}: D1 write deferred: ${err instanceof Error ? err.message : err}`);
    }
  }

  private record(): RunRecord | undefined {
    return this.ctx.storage.kv.get<RunRecord>(RUN_KEY);
  }

  private save(run: RunRecord): void {
    this.ctx.storage.kv.put(RUN_KEY, run);
  }

  private accounts(): AccountSlot[] {
    this.accountSlots ??= this.ctx.storage.kv.get<AccountSlot[]>(ACCOUNTS_KEY);
    return this.accountSlots ?? [];
  }
}
