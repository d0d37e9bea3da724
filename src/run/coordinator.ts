/**
 * RunCoordinator: one Durable Object per run. Its alarm is the run's clock: every tick it follows
 * new blocks, hands each account object its slice of the rate, checkpoints what changed and writes
 * what finished to D1. The decisions live in plain modules (patterns, dispatch, tracker, verify);
 * this is the shell that holds the state and sequences them.
 *
 * State rules, because every `await` lets another call in:
 * - one run record in memory (`this.run`), changed in place by every method, never a copy saved back;
 * - after every await a method checks that the run is still live before it changes anything;
 * - the live state is checkpointed at the end of every tick, atomically (RunStore), so a restart
 *   resumes from it: the alarm survives the restart and finds no live state, and restores it.
 */
import { DurableObject } from "cloudflare:workers";
import { readConfig, redactSecrets, type Env, type RuntimeConfig } from "../config";
import type { StartTestRequest } from "../api/schemas";
import { database, insertTimeSeries, insertTxLogs, updateRun } from "../db/queries";
import { feeCap, fetchBlockReceipts, fetchBlocks, parseBlock, type BlockHeader, type MinedReceipt } from "../chain/node-queries";
import { batchesInFlightFor, needsLegacy, type LayerName } from "../chain/layers";
import { JsonRpcClient } from "../chain/rpc";
import { RpcError } from "../errors";
import type { TestMetrics } from "../metrics/test-metrics";
import { LivePublisher } from "../live/publisher";
import { AccountFleet } from "./account-fleet";
import { followPending } from "./adaptive-sampler";
import { handOutAgain, launchDueBursts, settleBursts } from "./burst-launcher";
import { BLOCK_FEED_CATCH_UP_MS, BuilderFeeds } from "./builder-feeds";
import { DEFAULT_BREAKER, allowedRate, evaluate, newBreaker, recordSends, type BreakerConfig } from "./circuit-breaker";
import { dispatchRoom, distribute, inFlightCap, MIN_IN_FLIGHT, takeFromBudget } from "./dispatch";
import { deployContracts, fundSenders, mapInChunks, planAccounts, prepareAccounts, prepareSenders, syncNonces } from "./initialize";
import { logEvery, sampleLogs } from "./log-sampling";
import { DEFAULT_RATE_LIMIT, limitRate, newRateLimit } from "./rate-limit";
import { buildMetrics, runRowFields, timeSeriesRows } from "./run-report";
import { RunStore } from "./run-store";
import { isAdaptive, peakRate, rateAt } from "./patterns";
import { TERMINAL, type AccountSlot, type LiveRun, type RunRecord } from "./run-state";
import { newTickStats, recordTick } from "./tick-stats";
import { RunTracker } from "./tracker";
import { verifyRun, type Verification } from "./verify";
import { emptyFeedFigures } from "../feeds/feed-figures";
import { planFeeds } from "../feeds/feed-plan";
import { allocate } from "../tx/mix";
import { needsReceipts, runMix } from "./workload-plan";

/**
 * Backpressure: an account object gets a new burst only while fewer of its calls are under way
 * than the run allows (`batchesInFlight`, one on most layers), and a burst is at most one JSON-RPC
 * batch. When the objects cannot keep up (signing is CPU), the rate falls to what they sustain
 * instead of piling up work that starves the tick and the API.
 */
const MAX_BURST = 200;
/**
 * A slice may leave this long after the end of sending: the last tick's slice is on its way to its
 * object at the end, and an idle worker should not drop it; an overloaded one still stops within 1 s.
 */
const SEND_BY_SLACK_MS = 500;
/**
 * A tick owing at least LARGE_TICK transactions gives each account it uses at least MIN_SLICE:
 * under load a call costs far more than a transaction in it. It is what the rate asks, not what
 * the window lets go this tick, that decides: held back by the window, a fast run would otherwise
 * fall into one-transaction calls and lose a third of its rate to their cost. A slower rate
 * spreads over every account, one or two each, as a crowd of senders would.
 */
const LARGE_TICK = 500;
const MIN_SLICE = 25;
/** Work owed from a late tick is carried for at most this many ticks. */
const MAX_OWED_TICKS = 2;
/** Blocks fetched per tick at most; a longer backlog is worked off over the next ticks. */
const MAX_BLOCKS_PER_TICK = 100;
/** When receipts are read with the blocks: each block's receipts are a large answer on a busy chain. */
const MAX_RECEIPT_BLOCKS_PER_TICK = 10;
/** Blocks read again after a restart: as many as the tracker remembers for late reports. */
const RESCAN_BLOCKS = 64;
const MAX_RESCAN_ATTEMPTS = 5;
const RUN_ROW_WRITE_INTERVAL_MS = 5_000;
/** Verification asks the node about every sender; a node that keeps failing it gets this many ticks. */
const MAX_VERIFY_ATTEMPTS = 20;
/** Rows written to D1 per tick at most while the run is live; the rest wait in the queue. */
const LOG_ROWS_PER_FLUSH = 2_000;
const SECONDS_PER_FLUSH = 90;
/** A final D1 write that failed is tried again this much later, until it lands. */
const RELEASE_RETRY_MS = 2_000;

export class RunCoordinator extends DurableObject<Env> {
  private readonly config: RuntimeConfig = readConfig(this.env);
  private readonly rpc = new JsonRpcClient(this.config.builderRpcUrl, undefined, { maxResponseBytes: this.config.rpcMaxResponseBytes });
  /** The live run's builder feed connections (none without feeds): memory only, reopened after a restart. */
  private feeds: BuilderFeeds | undefined;
  private readonly db = database(this.env.DB);
  private readonly store = new RunStore(this.ctx.storage);
  /** The one run record. Every method changes this object; none saves back a copy it read before an await. */
  private run: RunRecord | undefined = this.store.loadRecord();
  private live: LiveRun | undefined;
  /** The block follower and the D1 writer under way beside the ticks, if any: one of each at a time. */
  private following: Promise<void> | undefined;
  private flushing: Promise<void> | undefined;
  private accountSlots: AccountSlot[] | undefined;
  /** The viewers of /v1/ws: every alarm's metrics, pushed in the background; a failed push never touches the run. */
  private readonly viewers = new LivePublisher(this.env);

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // A live run must always have its clock armed, whatever killed the previous instance.
    if (this.run && !this.run.released) {
      void ctx.blockConcurrencyWhile(async () => {
        if ((await ctx.storage.getAlarm()) === null) await ctx.storage.setAlarm(Date.now());
      });
    }
  }

  /** Starts the run: the first alarms initialize it step by step, the following ones tick. */
  async begin(runId: string, request: StartTestRequest, chainId: number, createdAt: number, executionLayer?: LayerName, scheduleId: string | null = null): Promise<void> {
    if (this.run) throw new Error(`run ${runId} already began`);
    const { numAccounts, regions } = planAccounts({ request }, this.config);
    this.run = {
      runId,
      request,
      chainId,
      executionLayer,
      scheduleId,
      createdAt,
      status: "initializing",
      initPhase: "deriving_accounts",
      stopRequested: false,
      stopPhase: null,
      numAccounts,
      regions,
      contracts: null,
      startedAt: null,
      sendingEndedAt: null,
      graceDeadline: null,
      startBlock: null,
      endBlock: null,
      endedAt: null,
      verification: null,
      error: null,
      txLogEvery: logEvery(peakRate(request), this.config.txLogMaxTps),
      stopSequenceMs: null,
      restarts: 0,
      released: false,
    };
    this.store.saveRecord(this.run);
    await this.ctx.storage.setAlarm(Date.now());
  }

  /** `/stop`: in every phase. Initialization ends at its next step; a running run goes through the stop sequence. */
  async requestStop(): Promise<{ status: string }> {
    const run = this.run;
    if (!run || TERMINAL.includes(run.status)) return { status: run?.status ?? "idle" };
    run.stopRequested = true;
    // Durable at once, but apart from the record: saving the record here would persist a phase
    // the tick has reached in memory ahead of the checkpoint that goes with it.
    this.store.saveStopRequest();
    return { status: "stopping" };
  }

  /**
   * `/reset`: ends the run at once, without settling or verifying, and releases the one-run lock.
   * For a run that cannot end by itself (a node gone for good). A method awaiting meanwhile finds
   * the run over and changes nothing; account objects finish their calls before the next run syncs.
   */
  async reset(): Promise<{ status: string }> {
    const run = this.run;
    if (!run || TERMINAL.includes(run.status)) return { status: run?.status ?? "idle" };
    run.error = "reset by request: not settled, not verified";
    await this.finish("error");
    return { status: "error" };
  }

  async metrics(): Promise<TestMetrics | null> {
    const run = this.run;
    if (!run) return null;
    if (TERMINAL.includes(run.status)) return this.store.loadFinal() ?? buildMetrics(run, this.accounts(), undefined, Date.now());
    if (run.status !== "initializing") this.live ??= this.resume(run);
    return buildMetrics(run, this.accounts(), this.live, Date.now());
  }

  async alarm(): Promise<void> {
    const run = this.run;
    if (!run) return;
    if (TERMINAL.includes(run.status)) {
      if (!run.released) await this.release();
      return;
    }
    try {
      if (run.status === "initializing") await this.initStep(run);
      else await this.tick(run, (this.live ??= this.resume(run)));
    } catch (err) {
      if (!this.isLive()) return;
      run.error = redactSecrets(this.env, err instanceof Error ? err.message : String(err));
      console.error(`run ${run.runId} failed: ${run.error}`);
      await this.finish("error");
    }
    if (this.isLive()) this.viewers.offer(() => this.metrics());
  }

  /** Still initializing, running or verifying: false once a stop, a reset or a failure ended it. */
  private isLive(): boolean {
    return this.run !== undefined && !TERMINAL.includes(this.run.status);
  }

  /** One phase of initialization per alarm; a stop between phases ends the run before it sends anything. */
  private async initStep(run: RunRecord): Promise<void> {
    if (run.stopRequested) return this.finish("stopped");
    const phase = run.initPhase ?? "initializing_nonces";
    const stepStartedAt = Date.now();
    // How long each phase took, kept in the record: a status poll may not get an answer meanwhile.
    const timed = () => (run.initPhasesMs = { ...run.initPhasesMs, [phase]: Date.now() - stepStartedAt });
    if (run.initPhase === "deriving_accounts") {
      const accounts = await prepareAccounts(this.env, this.rpc, run);
      if (!this.isLive()) return;
      this.setAccounts(accounts);
      timed();
      run.initPhase = "deploying_contracts";
    } else if (run.initPhase === "deploying_contracts") {
      const contracts = await deployContracts(this.env, this.rpc, this.db, run, () => this.isLive());
      if (!this.isLive()) return;
      run.contracts = contracts;
      timed();
      run.initPhase = "funding_accounts";
    } else if (run.initPhase === "funding_accounts") {
      await fundSenders(this.env, this.rpc, run, this.accounts(), () => this.isLive());
      if (!this.isLive()) return;
      timed();
      run.initPhase = "preparing_accounts";
    } else if (run.initPhase === "preparing_accounts") {
      await prepareSenders(this.env, this.rpc, run, this.accounts(), run.contracts ?? {}, () => this.isLive());
      if (!this.isLive()) return;
      timed();
      run.initPhase = "initializing_nonces";
    } else {
      const synced = await syncNonces(this.env, this.rpc, run, this.accounts());
      if (!this.isLive()) return;
      this.setAccounts(synced.accounts);
      timed();
      return this.startRunning(run, synced.startBlock, synced.fees);
    }
    this.store.saveRecord(run);
    await this.ctx.storage.setAlarm(Date.now());
  }

  private async startRunning(run: RunRecord, startBlock: number, fees: LiveRun["fees"]): Promise<void> {
    const now = Date.now();
    Object.assign(run, { status: "running", initPhase: null, startedAt: now, startBlock });
    const tracker = new RunTracker(now, startBlock, this.startNonces());
    const breaker = newBreaker();
    const rateLimit = newRateLimit(now);
    this.live = {
      tracker,
      budget: { owed: 0 },
      cursor: 0,
      mixGiven: {},
      lastDispatchAt: now,
      lastBlock: startBlock,
      fees,
      breaker,
      rateLimit,
      fleet: new AccountFleet(this.env, this.accounts(), tracker, breaker, rateLimit),
      unsettled: null,
      ledgerNext: {},
      verifyAttempts: 0,
      currentTarget: 0,
      lastRunRowWriteAt: now,
      rescanFrom: null,
      rescanAttempts: 0,
    };
    this.openFeeds(run, this.live, false);
    this.checkpoint(run, this.live, now);
    await this.ctx.storage.setAlarm(now);
    try {
      await updateRun(this.db, run.runId, { status: "running", startedAt: now, startBlock, numAccounts: run.numAccounts });
    } catch (err) {
      // The run row catches up with the next periodic write; D1 pushing back does not end a run.
      console.error(`run ${run.runId}: D1 write deferred: ${err instanceof Error ? err.message : err}`);
    }
  }

  private tryResume(run: RunRecord): LiveRun | undefined {
    try {
      return this.resume(run, false);
    } catch {
      return undefined;
    }
  }

  /**
   * The live state as the last checkpoint left it: after a restart, the run goes on from there: it
   * reads its builder feeds again and hands out again the burst shares not yet reported (not when
   * `goingOn` is false: a run being ended).
   */
  private resume(run: RunRecord, goingOn = true): LiveRun {
    const restored = this.store.restore();
    if (!restored) throw new Error("the coordinator restarted and found no checkpoint of the run");
    const { tracker: snapshot, unsettled, ...scalars } = restored.scalars;
    const tracker = RunTracker.restore(snapshot, restored.records, restored.watermarks, this.startNonces());
    run.restarts += 1;
    this.store.saveRecord(run);
    console.log(`run ${run.runId}: resumed from its checkpoint (restart ${run.restarts})`);
    const live: LiveRun = {
      ...scalars,
      tracker,
      fleet: new AccountFleet(this.env, this.accounts(), tracker, scalars.breaker, scalars.rateLimit, restored.marks),
      unsettled: unsettled === null ? null : new Set(unsettled),
      rescanFrom: Math.max((run.startBlock ?? 0) + 1, scalars.lastBlock - RESCAN_BLOCKS + 1),
      rescanAttempts: 0,
    };
    if (goingOn) {
      this.openFeeds(run, live, true);
      handOutAgain(live);
    }
    return live;
  }

  /**
   * Opens the builder feeds the run's layer and configuration plan (feeds/feed-plan.ts); none on a
   * layer without them or when no URL is set, and then nothing of the run changes.
   */
  private openFeeds(run: RunRecord, live: LiveRun, resumed: boolean): void {
    const { plan, sources } = planFeeds(run.executionLayer ?? "generic", this.config);
    if (!plan.preconf && !plan.blockMetrics && !plan.flashblocks) return;
    live.builder ??= { sources, figures: emptyFeedFigures() };
    this.feeds?.close();
    this.feeds = new BuilderFeeds(live.builder.figures);
    this.feeds.open(plan, resumed);
  }

  private async tick(run: RunRecord, live: LiveRun): Promise<void> {
    const now = Date.now();
    // Arm the next tick first: a slow tick then runs the next one right after, never skips it.
    live.tickLagMs = now - (live.nextTickAt ?? now);
    live.nextTickAt = now + this.config.tickMs;
    await this.ctx.storage.setAlarm(now + this.config.tickMs);
    // After a restart, late reports must find the blocks they were mined in before they are collected.
    if (live.rescanFrom !== null) {
      const rescanned = await this.rescan(live);
      // Until the rescan gives up, nothing is collected before the blocks are read again.
      if (!rescanned && live.rescanFrom !== null) return;
    }
    if (!this.isLive()) return;
    live.fleet.collectOwed();
    // While sending, a tick does not wait for the node or for D1: under load their answers queue
    // behind the account objects' work (half a second each in a profile), and a tick that waits
    // dispatches late. They run beside the ticks, one at a time; the stop sequence waits for them.
    if (run.status === "running") this.following ??= this.followBlocks(run, live).finally(() => (this.following = undefined));
    else {
      await this.following;
      await this.followBlocks(run, live);
    }
    if (run.status === "running" && isAdaptive(run.request.pattern)) await followPending(this.rpc, run, live, now);
    if (!this.isLive()) return;
    // The feeds' word since the last tick; revocations of the run's transactions go to the breaker.
    if (this.feeds) {
      const { events, builds } = this.feeds.take();
      live.tracker.recordFeedEvents(events);
      for (const build of builds) live.tracker.recordBlockBuild(build);
    }
    recordSends(live.breaker, 0, 0, live.tracker.feeds.takeRevocations());
    if (run.status === "running" && evaluate(live.breaker, this.breakerConfig(run), now) === "tripped") {
      live.fleet.resyncAll();
    }
    if (run.status === "running") {
      const endAt = (run.startedAt ?? now) + run.request.durationSec * 1000;
      if (!run.stopRequested && run.request.pattern === "burst") launchDueBursts(run, live, now, this.breakerConfig(run), this.config.tickMs);
      else if (!run.stopRequested) this.dispatch(run, live, Math.min(now, endAt), endAt);
      if (run.stopRequested || now >= endAt) Object.assign(run, { status: "verifying", stopPhase: "draining", sendingEndedAt: now });
    }
    // Nudges stop at the grace deadline, so the close step is not kept waiting on them.
    if (run.status === "running" || (run.stopPhase === "grace" && now < (run.graceDeadline ?? 0))) {
      const { stuckAfterMs, stuckAfterBlocks, rebroadcastsBeforeReplace } = this.config;
      live.fleet.nudge(live.tracker.takeStuck(now, live.lastBlock, stuckAfterMs, stuckAfterBlocks, rebroadcastsBeforeReplace), live.fees);
    }
    if (run.status === "verifying") {
      const done = await this.advanceStop(run, live, Date.now());
      if (!this.isLive()) return;
      if (done) return this.finish(run.stopRequested ? "stopped" : "completed");
    }
    live.tracker.forgetSettled();
    this.checkpoint(run, live, Date.now());
    if (run.status === "running") this.flushing ??= this.flush(run, live).finally(() => (this.flushing = undefined));
    else {
      await this.flushing;
      await this.flush(run, live);
    }
    // Carried by the next checkpoint: what a tick costs is what bounds the accounts one coordinator drives.
    const end = Date.now();
    recordTick((live.ticks ??= newTickStats()), now, end);
    // A tick that outlasts its interval runs the next one at once: that one is late by the queue
    // it waited in, not by this tick's own awaits (a node call, a rescan).
    live.nextTickAt = Math.max(live.nextTickAt ?? end, end);
  }

  /** Sends what the pattern owes for the time since the last dispatch, sampled at its midpoint. */
  private dispatch(run: RunRecord, live: LiveRun, until: number, endAt: number): void {
    const midpoint = (live.lastDispatchAt + until) / 2 - (run.startedAt ?? until);
    const breakerRate = allowedRate(live.breaker, this.breakerConfig(run), rateAt(run.request, midpoint / 1000, live.adaptive?.rate));
    // Sustained 429s: the AIMD cap, and no dispatch at all while a Retry-After is honoured.
    const rate = limitRate(live.rateLimit, DEFAULT_RATE_LIMIT, breakerRate, until);
    live.currentTarget = rate;
    const maxOwed = Math.max(1, (rate * this.config.tickMs * MAX_OWED_TICKS) / 1000);
    const owed = takeFromBudget(live.budget, rate, until - live.lastDispatchAt, maxOwed);
    // What the account objects cannot take yet stays owed (within maxOwed): backpressure.
    const answered = live.fleet.answeredLastSecond(Date.now());
    live.inFlightCap = inFlightCap(live.inFlightCap ?? Number.POSITIVE_INFINITY, live.tickLagMs ?? 0, live.fleet.inflightTx, answered);
    const count = Math.min(owed, dispatchRoom(answered, live.fleet.inflightTx, MIN_IN_FLIGHT, live.inFlightCap));
    live.budget.owed += owed - count;
    live.lastDispatchAt = until;
    const { slots } = live.fleet;
    const calls = batchesInFlightFor(run.executionLayer, run.request.batchesInFlight);
    const plan = distribute(count, slots.length, live.cursor, (a) => live.fleet.hasRoom(a, calls), MAX_BURST, owed >= LARGE_TICK ? MIN_SLICE : 1);
    live.cursor = plan.cursor;
    live.budget.owed += plan.unplaced;
    const mix = runMix(run.request);
    for (const slice of plan.slices) {
      live.fleet.burst(slots[slice.account], { mix: allocate(mix, live.mixGiven, slice.count), fees: live.fees, sendBy: endAt + SEND_BY_SLACK_MS });
    }
  }

  private breakerConfig(run: RunRecord): BreakerConfig {
    return { ...DEFAULT_BREAKER, ...run.request.circuitBreaker };
  }

  /** New blocks since the last tick, and today's fee quote. A node that does not answer is a figure of the run, not its end. */
  private async followBlocks(run: RunRecord, live: LiveRun): Promise<void> {
    try {
      const [latestOutcome, price] = await this.rpc.batch<unknown>([
        { method: "eth_getBlockByNumber", params: ["latest", false] },
        { method: "eth_gasPrice", params: [] },
      ]);
      if (!latestOutcome.ok) throw latestOutcome.error;
      if (!price.ok) throw price.error;
      const latest = parseBlock(latestOutcome.result as Parameters<typeof parseBlock>[0]);
      live.fees = {
        maxFeePerGas: feeCap(BigInt(price.result as string), latest.baseFeePerGas, BigInt(live.fees.maxPriorityFeePerGas), needsLegacy(this.run?.executionLayer)).toString(),
        maxPriorityFeePerGas: live.fees.maxPriorityFeePerGas,
      };
      if (latest.number <= live.lastBlock) return;
      const withReceipts = needsReceipts(runMix(run.request));
      const to = Math.min(latest.number, live.lastBlock + (withReceipts ? MAX_RECEIPT_BLOCKS_PER_TICK : MAX_BLOCKS_PER_TICK));
      const blocks = to === latest.number && to === live.lastBlock + 1 ? [latest] : await fetchBlocks(this.rpc, live.lastBlock + 1, to);
      const receipts = await this.receiptsOf(run, blocks);
      if (!this.isLive()) return;
      const seenAt = Date.now();
      for (const block of blocks) {
        live.tracker.recordBlock(block, seenAt, receipts);
        live.lastBlock = block.number;
      }
    } catch (err) {
      live.tracker.recordLostPoll(err instanceof RpcError ? err.errorClass : "unknown");
    }
  }

  /** The receipts of these blocks, for a run whose types can revert; none for plain transfers. */
  private async receiptsOf(run: RunRecord, blocks: BlockHeader[]): Promise<Map<string, MinedReceipt> | undefined> {
    if (!needsReceipts(runMix(run.request))) return undefined;
    return fetchBlockReceipts(this.rpc, blocks.filter((b) => b.transactions.length > 0).map((b) => b.number));
  }

  /** Reads the blocks before a restart again, so late reports of transactions mined in them still match. */
  private async rescan(live: LiveRun): Promise<boolean> {
    try {
      const blocks = live.rescanFrom! <= live.lastBlock ? await fetchBlocks(this.rpc, live.rescanFrom!, live.lastBlock) : [];
      const receipts = await this.receiptsOf(this.run!, blocks);
      const seenAt = Date.now();
      for (const block of blocks) live.tracker.rememberBlock(block, seenAt, receipts);
      live.rescanFrom = null;
      return true;
    } catch (err) {
      live.tracker.recordLostPoll(err instanceof RpcError ? err.errorClass : "unknown");
      // A node that keeps failing it must not hold the run (its end, a stop) for ever: go on
      // without; a report of a transaction mined in those blocks then stays pending until the end.
      if (++live.rescanAttempts >= MAX_RESCAN_ATTEMPTS) live.rescanFrom = null;
      return false;
    }
  }

  /**
   * draining: wait for calls under way, then resolve unknowns and close gaps until every account
   * is clean → grace: wait for inclusion (nudging what is stuck) → closing: replace what is left
   * with self-transfers → verify. Each step may fail on a node that does not answer; it is then
   * tried again on the next tick, within the grace deadline (verification: a few times).
   * True once the verification is stored and the run can finish.
   */
  private async advanceStop(run: RunRecord, live: LiveRun, now: number): Promise<boolean> {
    if (run.stopPhase === "draining") {
      if (live.fleet.busy) return false;
      const unsettled = (live.unsettled ??= new Set(live.fleet.slots.map((s) => s.index)));
      const pending = live.fleet.slots.filter((s) => unsettled.has(s.index));
      await mapInChunks(pending, async (slot) => {
        const settled = await live.fleet.call(slot, (account) => account.settle(live.fees));
        if (!settled?.clean) return;
        unsettled.delete(slot.index);
        // Nothing is signed at a new nonce after a clean settle: the verification checks the chain against it.
        live.ledgerNext[slot.index] = settled.next;
      });
      if (!this.isLive()) return false;
      const deadline = (run.sendingEndedAt ?? now) + this.config.gracePeriodMs;
      if (unsettled.size > 0 && now < deadline) return false;
      Object.assign(run, { stopPhase: "grace", endBlock: live.lastBlock, graceDeadline: now + this.config.gracePeriodMs });
      return false;
    }
    if (live.tracker.awaitingInclusion > 0 && (now < (run.graceDeadline ?? now) || this.stillDraining(run, live, now))) return false;
    if (run.stopPhase === "grace" && live.tracker.awaitingInclusion > 0) {
      if (live.fleet.busy) return false; // a nudge under way touches the same nonces
      // What the grace period did not see mined is discarded, and its nonce closed.
      const leftovers = live.tracker.pendingByAccount();
      live.tracker.discardPending();
      Object.assign(run, { stopPhase: "closing", graceDeadline: now + this.config.gracePeriodMs });
      // Durable before the closes go out: a restart must not find these nonces pending again.
      this.checkpoint(run, live, now);
      await mapInChunks([...leftovers], ([address, nonces]) => live.fleet.call(live.fleet.slotOf(address), (account) => account.close(nonces, live.fees)));
      return false;
    }
    live.tracker.discardPending();
    if (this.blockFeedBehind(live, now)) return false;
    run.stopSequenceMs = now - (run.sendingEndedAt ?? now);
    try {
      run.verification = await verifyRun(this.rpc, {
        fromBlock: (run.startBlock ?? 0) + 1,
        toBlock: live.lastBlock,
        senders: this.accounts().map((a) => ({ ...a, ledgerNext: live.ledgerNext[a.index] })),
        expected: { loadConfirmed: live.tracker.txConfirmed, housekeepingConfirmed: live.tracker.housekeeping.confirmed, reverted: live.tracker.reverted },
      });
    } catch (err) {
      live.verifyAttempts += 1;
      if (live.verifyAttempts < MAX_VERIFY_ATTEMPTS) return false;
      run.verification = unverifiable(run, live, err);
    }
    return true;
  }

  /**
   * The block-metrics feed has not yet reported the last block polled when the run's transactions
   * were all settled: its figures would miss that block's build. That block, not the head that
   * keeps moving meanwhile, is waited for, up to BLOCK_FEED_CATCH_UP_MS; a feed that is down does
   * not hold the run longer than that.
   */
  private blockFeedBehind(live: LiveRun, now: number): boolean {
    const figures = live.builder?.figures.blockMetrics;
    if (!figures || !this.feeds?.reads("blockMetrics")) return false;
    const wait = (live.blockFeedWait ??= { block: live.lastBlock, until: now + BLOCK_FEED_CATCH_UP_MS });
    return (figures.recent.at(-1)?.blockNumber ?? -1) < wait.block && now < wait.until;
  }

  /**
   * A congested chain still working the backlog off: something of the run was mined within the
   * last grace period. Waited for past the grace deadline, but not past `stopDrainMaxMs` after
   * sending ended; then what is left is closed (and a stuck backlog is closed right away).
   */
  private stillDraining(run: RunRecord, live: LiveRun, now: number): boolean {
    return now - live.tracker.lastMinedAt < this.config.gracePeriodMs && now < (run.sendingEndedAt ?? now) + this.config.stopDrainMaxMs;
  }

  /**
   * Ends the run: the record says so at once (so every method awaiting meanwhile stops), the final
   * checkpoint and figures are stored, then `release` writes them to D1 and frees the one-run lock.
   */
  private async finish(status: "completed" | "stopped" | "error"): Promise<void> {
    const run = this.run!;
    if (TERMINAL.includes(run.status)) return;
    this.feeds?.close();
    this.feeds = undefined;
    const now = Date.now();
    // A restarted instance may not have restored the run yet: its figures are in the checkpoint.
    const live = this.live ?? (run.status === "initializing" ? undefined : this.tryResume(run));
    this.live = undefined;
    Object.assign(run, { status, stopPhase: null, endedAt: now });
    if (live) this.checkpoint(run, live, now + 1_000);
    this.store.saveFinal(buildMetrics(run, this.accounts(), live, now));
    this.store.saveRecord(run);
    this.viewers.offer(() => this.metrics());
    await this.release();
  }

  /** Drains the D1 queues, writes the final run row and frees the lock; the alarm retries until it all lands. */
  private async release(): Promise<void> {
    const run = this.run!;
    // A write started beside a tick finishes first: the final one must not race it over the same rows.
    await this.flushing;
    try {
      while (!(await this.flushQueues(run))) {
        // Keep going until both queues are empty.
      }
      const metrics = this.store.loadFinal() ?? buildMetrics(run, this.accounts(), undefined, Date.now());
      await updateRun(this.db, run.runId, { ...runRowFields(run, metrics), active: null, endedAt: run.endedAt });
      run.released = true;
      this.store.saveRecord(run);
      this.store.clearLive();
      await this.ctx.storage.deleteAlarm();
    } catch (err) {
      console.error(`run ${run.runId}: final D1 write failed, retrying: ${err instanceof Error ? err.message : err}`);
      await this.ctx.storage.setAlarm(Date.now() + RELEASE_RETRY_MS);
    }
  }

  /**
   * Everything the tick changed, in one synchronous write: the record, the tracker, the delivery
   * marks (which become the accounts' acknowledgements) and the rows queued for D1.
   */
  private checkpoint(run: RunRecord, live: LiveRun, now: number): void {
    const tracker = live.tracker;
    const seconds = timeSeriesRows(run, live, tracker.closeSeconds(now), now);
    const logs = tracker.takeLogs();
    settleBursts(live, logs);
    // Everything of the live run but what is rebuilt on restore (the fleet, the rescan) or stored apart.
    const { fleet, unsettled, rescanFrom: _rescanFrom, rescanAttempts: _rescanAttempts, tracker: _tracker, nextTickAt: _nextTickAt, tickLagMs: _tickLagMs, ...scalars } = live;
    this.store.saveRecord(run);
    // The changes first: they number the new pages, which the snapshot's next page must count.
    const changes = tracker.takeChanges();
    this.store.checkpoint({
      scalars: { ...scalars, unsettled: unsettled === null ? null : [...unsettled], tracker: tracker.snapshot() },
      tracker: changes,
      marks: fleet.takeChanges(),
      logs: sampleLogs(logs, run.txLogEvery),
      seconds,
    });
  }

  /** One bounded batch of queued rows to D1, and the run row every few seconds. A failure leaves the rows queued. */
  private async flush(run: RunRecord, live: LiveRun): Promise<void> {
    try {
      await this.flushQueues(run);
      const now = Date.now();
      if (this.isLive() && now - live.lastRunRowWriteAt >= RUN_ROW_WRITE_INTERVAL_MS) {
        live.lastRunRowWriteAt = now;
        await updateRun(this.db, run.runId, runRowFields(run, buildMetrics(run, this.accounts(), live, now)));
      }
    } catch (err) {
      // D1 is one writer and may push back; the rows stay queued in storage for the next tick.
      console.error(`run ${run.runId}: D1 write deferred: ${err instanceof Error ? err.message : err}`);
    }
  }

  /** Writes one batch of each queue; true when both queues are empty. */
  private async flushQueues(run: RunRecord): Promise<boolean> {
    const seconds = this.store.peekSeconds(SECONDS_PER_FLUSH);
    if (seconds.length > 0) {
      await insertTimeSeries(this.db, seconds as Parameters<typeof insertTimeSeries>[1]);
      this.store.dropSeconds(seconds[seconds.length - 1].second);
    }
    const { logs, through } = this.store.peekLogs(LOG_ROWS_PER_FLUSH);
    if (logs.length > 0) {
      await insertTxLogs(this.db, run.runId, logs);
      this.store.dropLogs(through);
    }
    const queued = this.store.queued();
    return queued.logs === 0 && queued.seconds === 0;
  }

  private setAccounts(accounts: AccountSlot[]): void {
    this.accountSlots = accounts;
    this.store.saveAccounts(accounts);
  }

  private startNonces(): Map<string, number> {
    return new Map(this.accounts().map((a) => [a.address.toLowerCase(), a.startNonce]));
  }

  private accounts(): AccountSlot[] {
    this.accountSlots ??= this.store.loadAccounts();
    return this.accountSlots;
  }
}

function unverifiable(run: RunRecord, live: LiveRun, err: unknown): Verification {
  return {
    verified: false,
    fromBlock: (run.startBlock ?? 0) + 1,
    toBlock: live.lastBlock,
    includedOnChain: -1,
    txConfirmed: live.tracker.txConfirmed,
    housekeepingConfirmed: live.tracker.housekeeping.confirmed,
    accountsChecked: 0,
    accountsWithGaps: -1,
    poolLeftovers: -1,
    poolCheck: "txpool_content",
    problems: [`the node did not answer the verification: ${err instanceof Error ? err.message : String(err)}`],
  };
}
