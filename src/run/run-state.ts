/** The persisted record of one run, and the live (in-memory) state its coordinator keeps. */
import type { StartTestRequest } from "../api/schemas";
import type { InitPhase, RunStatus } from "../metrics/test-metrics";
import type { FeeQuote } from "../tx/types";
import type { AccountFleet } from "./account-fleet";
import type { BreakerState } from "./circuit-breaker";
import type { Budget } from "./dispatch";
import type { RateLimitState } from "./rate-limit";
import type { RunTracker } from "./tracker";
import type { Verification } from "./verify";

export interface AccountSlot {
  index: number;
  region: string;
  address: string;
  startNonce: number;
}

/** Small and written on every state change; the account list is stored apart (written once). */
export interface RunRecord {
  runId: string;
  request: StartTestRequest;
  chainId: number;
  createdAt: number;
  status: RunStatus;
  initPhase: InitPhase | null;
  stopRequested: boolean;
  stopPhase: "draining" | "grace" | "closing" | null;
  numAccounts: number;
  regions: string[];
  startedAt: number | null;
  sendingEndedAt: number | null;
  graceDeadline: number | null;
  startBlock: number | null;
  endBlock: number | null;
  verification: Verification | null;
  error: string | null;
}

export interface LiveRun {
  tracker: RunTracker;
  budget: Budget;
  cursor: number;
  lastDispatchAt: number;
  lastBlock: number;
  fees: FeeQuote;
  breaker: BreakerState;
  /** AIMD cap and Retry-After pause on sustained 429s (apart from the breaker). */
  rateLimit: RateLimitState;
  fleet: AccountFleet;
  /** Accounts whose settle has not come back clean yet (draining). */
  unsettled?: Set<number>;
  verifyAttempts?: number;
  /** The rate the last dispatch aimed at: the pattern's, or less while the breaker or the rate limit holds it down. */
  currentTarget: number;
  lastRunRowWriteAt: number;
}

export const TERMINAL: readonly RunStatus[] = ["completed", "stopped", "error"];
