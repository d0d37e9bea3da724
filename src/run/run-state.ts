/** The persisted record of one run, and the live (in-memory) state its coordinator keeps. */
import type { StartTestRequest } from "../api/schemas";
import type { LayerName } from "../chain/layers";
import type { InitPhase, RunStatus } from "../metrics/test-metrics";
import type { MixCounts } from "../tx/mix";
import type { ContractAddresses, FeeQuote } from "../tx/types";
import type { AccountFleet } from "./account-fleet";
import type { AdaptiveState } from "./adaptive";
import type { BurstRecord } from "./burst-stats";
import type { BreakerState } from "./circuit-breaker";
import type { Budget } from "./dispatch";
import type { RateLimitState } from "./rate-limit";
import type { TickStats } from "./tick-stats";
import type { FeedFigures } from "../feeds/feed-figures";
import type { FeedSources } from "../feeds/feed-sources";
import type { RunTracker } from "./tracker";
import type { Verification } from "./verify";

export interface AccountSlot {
  index: number;
  region: string;
  address: string;
  startNonce: number;
}

/**
 * Small and written on every state change; the account list is stored apart (written once).
 * The coordinator holds exactly one of these in memory and every method changes that one object,
 * so a stop or a reset that lands while another method awaits is never overwritten by a stale copy.
 */
export interface RunRecord {
  runId: string;
  request: StartTestRequest;
  chainId: number;
  /** The layer the run signs for (legacy transactions on cdk-erigon); absent in records of older builds. */
  executionLayer?: LayerName;
  /** The schedule that started the run; absent in records of older builds. */
  scheduleId?: string | null;
  createdAt: number;
  status: RunStatus;
  initPhase: InitPhase | null;
  /** Milliseconds each finished init phase took (absent in records of older builds). */
  initPhasesMs?: Partial<Record<InitPhase, number>>;
  stopRequested: boolean;
  stopPhase: "draining" | "grace" | "closing" | null;
  numAccounts: number;
  regions: string[];
  /** The contracts the run's types use, once deployed (or found) in `deploying_contracts`. */
  contracts: ContractAddresses | null;
  startedAt: number | null;
  sendingEndedAt: number | null;
  graceDeadline: number | null;
  startBlock: number | null;
  endBlock: number | null;
  endedAt: number | null;
  verification: Verification | null;
  error: string | null;
  /** Confirmed transactions logged to D1: one in `txLogEvery` (failures and discards always). */
  txLogEvery: number;
  /** From the end of sending to the verification: how long the backlog, closes and grace took. */
  stopSequenceMs: number | null;
  /** Times the coordinator resumed the run from its checkpoint after a restart. */
  restarts: number;
  /** The run is over and its final row and the one-run lock release reached D1. */
  released: boolean;
}

export interface LiveRun {
  tracker: RunTracker;
  budget: Budget;
  cursor: number;
  /** Transactions handed out per type so far: the mix allocator's state. */
  mixGiven: MixCounts;
  lastDispatchAt: number;
  lastBlock: number;
  fees: FeeQuote;
  breaker: BreakerState;
  /** AIMD cap and Retry-After pause on sustained 429s (apart from the breaker). */
  rateLimit: RateLimitState;
  fleet: AccountFleet;
  /** Accounts whose settle has not come back clean yet (draining); null before draining. */
  unsettled: Set<number> | null;
  /** Per account index: the ledger's next nonce once its settle came back clean. */
  ledgerNext: Record<number, number>;
  verifyAttempts: number;
  /** The rate the last dispatch aimed at: the pattern's, or less while the breaker or the rate limit holds it down. */
  currentTarget: number;
  lastRunRowWriteAt: number;
  /** After a restart: blocks from here to `lastBlock` are read again to match late reports. */
  rescanFrom: number | null;
  rescanAttempts: number;
  /** Burst pattern: one record per burst handed out, in the order of their instants (created by the first launch). */
  bursts?: BurstRecord[];
  /** Adaptive pattern: the controller (created by the first sample). */
  adaptive?: AdaptiveState;
  /** Tick durations and intervals (created by the first tick that completes). */
  ticks?: TickStats;
  /** The builder feeds the run reads (run/builder-feeds.ts): which, and their figures; absent without feeds. */
  builder?: { sources: FeedSources; figures: FeedFigures };
  /**
   * When the next tick is due (its alarm, or the end of a tick that outlasted it) and how late this
   * one started: not checkpointed, so a restart's downtime is not read as lateness. The in-flight
   * cap that lateness sets (dispatch.ts `inFlightCap`) is.
   */
  nextTickAt?: number;
  tickLagMs?: number;
  inFlightCap?: number;
  /** The end of a run waits for the block-metrics feed to report this block, until then at most (set when it first waits). */
  blockFeedWait?: { block: number; until: number };
}

export const TERMINAL: readonly RunStatus[] = ["completed", "stopped", "error"];
