/** TestMetrics: the live and final picture of a run, as `GET /v1/status` returns it. */
import type { AdaptiveView } from "../run/adaptive";
import type { BuilderView } from "../run/builder-view";
import type { BurstView } from "../run/burst-view";
import type { RegionFigures } from "../run/region-figures";
import type { TickView } from "../run/tick-stats";
import type { LatencySummary } from "./latency-sketch";
import type { TipHistogram } from "../tx/tips";

/** Per transaction type of the run's mix. `avgGasUsed` from the receipts read (null: none read, e.g. plain transfers). */
export interface TypeFigures {
  sent: number;
  confirmed: number;
  failed: number;
  reverted: number;
  discarded: number;
  avgGasUsed: number | null;
}

export const RUN_STATUSES = ["idle", "initializing", "running", "verifying", "completed", "stopped", "error"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export type InitPhase = "deriving_accounts" | "deploying_contracts" | "funding_accounts" | "preparing_accounts" | "initializing_nonces";

export interface TestMetrics {
  runId: string | null;
  name: string | null;
  /** The schedule that started the run (null: started by a request). */
  scheduleId: string | null;
  status: RunStatus;
  initPhase: InitPhase | null;
  /** Milliseconds each finished init phase took, in the order they ran. */
  initPhasesMs: Partial<Record<InitPhase, number>>;
  pattern: string | null;
  transactionType: string | null;
  startedAt: number | null;
  elapsedMs: number;
  targetTps: number;
  currentTps: number;
  averageTps: number;
  peakTps: number;
  txSent: number;
  txConfirmed: number;
  txFailed: number;
  txDiscarded: number;
  txPending: number;
  sendLatency: LatencySummary;
  /**
   * Send (of the batch that carried it) → its first preconfirmation by a builder feed: the
   * preconfirmation WebSocket or a flashblock. Empty (count 0) when the run reads no such feed.
   */
  preconfLatency: LatencySummary;
  /** Send → inclusion, as first reported: by the block poll, or earlier by a builder feed's `confirmed`. */
  confirmLatency: LatencySummary;
  blockCount: number;
  totalGasUsed: string;
  mgasPerSec: number;
  fillRate: number;
  errors: Record<string, number>;
  /** Tries per class that got no usable answer and were retried with the same bytes (not failures). */
  retries: Record<string, number>;
  /**
   * Transactions an account object signed only after sending had ended (an overloaded worker) and
   * therefore never sent: their nonces went back. Not load, not failures; a sign the target was too high.
   */
  unsentAtEnd: number;
  circuitBreaker: { state: "closed" | "open"; trips: number; lastTripAt: number | null };
  /** AIMD on sustained 429s: `currentCapTps` is 0 while paused for Retry-After, null when not limited. */
  rateLimit: { limited: boolean; currentCapTps: number | null };
  /** Stuck transactions: re-broadcast unchanged, and replaced with a fee bump. */
  stuck: { rebroadcast: number; replaced: number };
  /** Gap fills and closing self-transfers: they keep nonces whole and are not load (PRODUCT.md §13). */
  housekeeping: { sent: number; confirmed: number };
  /** Times the coordinator resumed this run from its checkpoint after a restart. */
  coordinatorRestarts: number;
  /** From the end of sending to the verification: the backlog waited out, closes and grace (null before). */
  stopSequenceMs: number | null;
  /** One confirmed transaction in this many is kept in the transaction log (1 = all). */
  txLogEvery: number;
  accountsActive: number;
  /** Per region of the run, in the order given: accounts placed there and what they sent (PRODUCT.md §9). */
  regions: Record<string, RegionFigures>;
  /** Sent, confirmed and failed per transaction type (a single-type run has one entry). */
  byType: Record<string, TypeFigures>;
  /** Tips drawn per transaction (realistic patterns); null when every transaction pays the same tip. */
  tipHistogram: TipHistogram | null;
  /** The contracts the run's types used, by role (empty for plain transfers). */
  contracts: Record<string, string>;
  /** Burst pattern: one entry per burst handed out (PRODUCT.md §9); empty for other patterns. */
  bursts: BurstView[];
  /** Adaptive pattern: the controller's rate and the last pending sample; null for other patterns. */
  adaptive: AdaptiveView | null;
  /** The coordinator's ticks: how long each took and how far apart they started (null before the first). */
  coordinatorTick: TickView | null;
  /** The builder feeds' figures (PRODUCT.md §8); null when the run reads no feed. */
  builder: BuilderView | null;
  startBlock: number | null;
  endBlock: number | null;
  verification: unknown;
  error: string | null;
}

const EMPTY_SUMMARY: LatencySummary = { count: 0, sum: 0, min: 0, max: 0, avg: 0, p50: 0, p75: 0, p90: 0, p95: 0, p99: 0 };

export function idleMetrics(): TestMetrics {
  return {
    runId: null,
    name: null,
    scheduleId: null,
    status: "idle",
    initPhase: null,
    initPhasesMs: {},
    pattern: null,
    transactionType: null,
    startedAt: null,
    elapsedMs: 0,
    targetTps: 0,
    currentTps: 0,
    averageTps: 0,
    peakTps: 0,
    txSent: 0,
    txConfirmed: 0,
    txFailed: 0,
    txDiscarded: 0,
    txPending: 0,
    sendLatency: EMPTY_SUMMARY,
    preconfLatency: EMPTY_SUMMARY,
    confirmLatency: EMPTY_SUMMARY,
    blockCount: 0,
    totalGasUsed: "0",
    mgasPerSec: 0,
    fillRate: 0,
    errors: {},
    retries: {},
    unsentAtEnd: 0,
    circuitBreaker: { state: "closed", trips: 0, lastTripAt: null },
    rateLimit: { limited: false, currentCapTps: null },
    stuck: { rebroadcast: 0, replaced: 0 },
    housekeeping: { sent: 0, confirmed: 0 },
    coordinatorRestarts: 0,
    stopSequenceMs: null,
    txLogEvery: 1,
    accountsActive: 0,
    regions: {},
    byType: {},
    tipHistogram: null,
    contracts: {},
    bursts: [],
    adaptive: null,
    coordinatorTick: null,
    builder: null,
    startBlock: null,
    endBlock: null,
    verification: null,
    error: null,
  };
}
