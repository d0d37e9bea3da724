/**
 * The burst pattern's part of the coordinator's tick, in place of the rate dispatch: each burst is
 * handed to the account objects one signing lead before its instant (they sign at once and
 * release it at the instant), and their reports and the run's confirmations are folded into the
 * per-burst records at every checkpoint.
 *
 * The circuit breaker and the rate limit still apply: a burst handed out while they hold the
 * rate down is cut to what their rate allows over the burst's interval.
 */
import { allocate } from "../tx/mix";
import { allowedRate, type BreakerConfig } from "./circuit-breaker";
import { burstLeadMs, burstOffsetsMs, burstShares } from "./burst-plan";
import { countBurstConfirmations, foldBurstReport, newBurstRecord } from "./burst-stats";
import { rateAt } from "./patterns";
import { DEFAULT_RATE_LIMIT, limitRate } from "./rate-limit";
import type { LiveRun, RunRecord } from "./run-state";
import type { TxLog } from "./tracker";
import { runMix } from "./workload-plan";

/**
 * Hands out every burst whose signing lead has begun (or begins before the next tick). A burst
 * reached only after its instant is recorded as missed, not sent late: a burst that does not
 * leave together is not the burst asked for, and several of them must not pile up after a stall.
 */
export function launchDueBursts(run: RunRecord, live: LiveRun, now: number, breaker: BreakerConfig, tickMs: number): void {
  const request = run.request;
  const startedAt = run.startedAt ?? now;
  const bursts = (live.bursts ??= []);
  const lead = burstLeadMs(request.burstCount ?? 0);
  const offsets = burstOffsetsMs(request);
  const last = bursts.length === 0 ? -Infinity : bursts[bursts.length - 1].plannedAt;
  for (const offset of offsets) {
    const plannedAt = startedAt + offset;
    if (plannedAt <= last) continue;
    if (now + tickMs < plannedAt - lead) break;
    if (now >= plannedAt) {
      bursts.push(newBurstRecord(plannedAt, 0, 0, true));
      continue;
    }
    const count = allowedBurst(run, live, breaker, now);
    const { slots } = live.fleet;
    const plan = burstShares(count, slots.length, live.cursor);
    live.cursor = plan.cursor;
    const mix = runMix(request);
    const record = newBurstRecord(plannedAt, count - plan.unplaced, plan.slices.length);
    record.orders = {};
    for (const slice of plan.slices) {
      const order = { mix: allocate(mix, live.mixGiven, slice.count), fees: live.fees, plannedAt };
      record.orders[slice.account] = order.mix;
      live.fleet.timedBurst(slots[slice.account], order);
    }
    bursts.push(record);
  }
  live.currentTarget = rateAt(request, (now - startedAt) / 1000);
}

/**
 * After a restart: every share handed out and not yet reported is handed out again. The calls of
 * the instance that checkpointed the burst may never have left (a restart breaks the output gate
 * that held them). An object that had its order sends once (a repeat is refused, the first call
 * reports); one whose order was lost sends it at the instant, or reports it missed once that passed.
 */
export function handOutAgain(live: LiveRun): void {
  for (const burst of live.bursts ?? []) {
    for (const [account, mix] of Object.entries(burst.orders ?? {})) {
      live.fleet.timedBurst(live.fleet.slots[Number(account)], { mix, fees: live.fees, plannedAt: burst.plannedAt, again: true });
    }
  }
}

/** At every checkpoint: the burst shares folded in since the last one, and the confirmations in `logs`. */
export function settleBursts(live: LiveRun, logs: TxLog[]): void {
  const reports = live.fleet.takeBurstReports();
  if (!live.bursts && reports.length === 0) return;
  const bursts = (live.bursts ??= []);
  for (const report of reports) foldBurstReport(bursts, report);
  countBurstConfirmations(bursts, logs);
}

/** `burstCount`, or less while the breaker or the rate limit holds the rate down (over the burst's interval). */
function allowedBurst(run: RunRecord, live: LiveRun, breaker: BreakerConfig, now: number): number {
  const burstCount = run.request.burstCount ?? 0;
  const spacingSec = run.request.burstIntervalSec ?? run.request.durationSec;
  const average = burstCount / spacingSec;
  const allowed = limitRate(live.rateLimit, DEFAULT_RATE_LIMIT, allowedRate(live.breaker, breaker, average), now);
  return allowed >= average ? burstCount : Math.floor(allowed * spacingSec);
}
