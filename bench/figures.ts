/**
 * The benchmark's figures as pure functions: what the counting proxy keeps per phase, the windows
 * and rates read from it, status-latency percentiles, and the targets of issue 9. No I/O: the
 * Node tests (test/node/bench-figures.test.ts) run them without a chain.
 *
 * Times are epoch milliseconds (fractional): the proxy and the benchmark are separate processes.
 */

/** Width of a tally's buckets: a whole-second window from the first send is a whole number of them. */
export const BUCKET_MS = 100;

/**
 * The `eth_sendRawTransaction` calls of one kind seen in one phase. Memory is a few counters and one
 * pair of counts per 100 ms, counted from the first send's arrival (so windows that start there are
 * exact).
 */
export interface SendTally {
  accepted: number;
  rejected: number;
  /** Arrival at the proxy of the first and last send, whatever its answer. */
  firstArrival: number | null;
  lastArrival: number | null;
  /** Arrival of the first and last send that the node accepted (a result, not an error). */
  firstAcceptedArrival: number | null;
  lastAcceptedArrival: number | null;
  /** When the answer of the last accepted send came back through the proxy. */
  lastAcceptedAnswer: number | null;
  /** Accepted and rejected sends per BUCKET_MS, by arrival, index 0 starting at `firstArrival`. */
  acceptedPerBucket: number[];
  rejectedPerBucket: number[];
}

export const emptyTally = (): SendTally => ({
  accepted: 0,
  rejected: 0,
  firstArrival: null,
  lastArrival: null,
  firstAcceptedArrival: null,
  lastAcceptedArrival: null,
  lastAcceptedAnswer: null,
  acceptedPerBucket: [],
  rejectedPerBucket: [],
});

/**
 * A send arrived (its request was read whole). Called in arrival order, so the first call sets the
 * origin of the buckets.
 */
export function noteArrival(t: SendTally, at: number): void {
  t.firstArrival ??= at;
  if (t.lastArrival === null || at > t.lastArrival) t.lastArrival = at;
}

/** The answer of a send that arrived at `arrival` (noted already) came back at `answeredAt`. */
export function recordAnswer(t: SendTally, arrival: number, answeredAt: number, accepted: boolean): void {
  const bucket = Math.max(0, Math.floor((arrival - (t.firstArrival ?? arrival)) / BUCKET_MS));
  const counts = accepted ? t.acceptedPerBucket : t.rejectedPerBucket;
  while (counts.length <= bucket) counts.push(0);
  counts[bucket]++;
  if (!accepted) {
    t.rejected++;
    return;
  }
  t.accepted++;
  if (t.firstAcceptedArrival === null || arrival < t.firstAcceptedArrival) t.firstAcceptedArrival = arrival;
  if (t.lastAcceptedArrival === null || arrival > t.lastAcceptedArrival) t.lastAcceptedArrival = arrival;
  if (t.lastAcceptedAnswer === null || answeredAt > t.lastAcceptedAnswer) t.lastAcceptedAnswer = answeredAt;
}

/** Sends counted in the buckets of the first `windowMs` from the first send (whole buckets). */
export function countFromFirst(t: SendTally, windowMs: number): { accepted: number; rejected: number } {
  const buckets = Math.ceil(windowMs / BUCKET_MS);
  const sum = (counts: number[]) => counts.slice(0, buckets).reduce((s, n) => s + n, 0);
  return { accepted: sum(t.acceptedPerBucket), rejected: sum(t.rejectedPerBucket) };
}

/** Accepted sends per whole second from the first send, to the last one: where a run ramps, holds and ends. */
export function acceptedPerSecond(t: SendTally): number[] {
  const perSecond = 1000 / BUCKET_MS;
  const out: number[] = [];
  t.acceptedPerBucket.forEach((n, i) => (out[Math.floor(i / perSecond)] = (out[Math.floor(i / perSecond)] ?? 0) + (n ?? 0)));
  return Array.from(out, (n) => n ?? 0);
}

export const round2 = (v: number) => Math.round(v * 100) / 100;

/**
 * A sustained phase: accepted sends that arrived within `durationSec` of the first send, per second
 * of that window; and how long after the window the last send arrived (the run's tail: ≤ 0 when
 * nothing arrived after it).
 */
export function sustainedFigures(t: SendTally, durationSec: number) {
  if (t.firstArrival === null || t.lastArrival === null) return { acceptedTps: 0, acceptedInWindow: 0, rejectedInWindow: 0, tailAfterDurationMs: null, acceptedTailAfterDurationMs: null };
  const windowMs = durationSec * 1000;
  const inWindow = countFromFirst(t, windowMs);
  const end = t.firstArrival + windowMs;
  return {
    acceptedTps: round2(inWindow.accepted / durationSec),
    acceptedInWindow: inWindow.accepted,
    rejectedInWindow: inWindow.rejected,
    tailAfterDurationMs: Math.round(t.lastArrival - end),
    acceptedTailAfterDurationMs: t.lastAcceptedArrival === null ? null : Math.round(t.lastAcceptedArrival - end),
  };
}

/**
 * A batch of sends that were all ready before it started (the ceiling, a burst): accepted sends per
 * second from the first accepted send's arrival to the last accepted send's answer — how long the
 * node took to take them all in. `arrivalSpanMs` is how long they took to reach the proxy.
 */
export function drainFigures(t: SendTally) {
  if (t.firstAcceptedArrival === null || t.lastAcceptedArrival === null || t.lastAcceptedAnswer === null) {
    return { acceptedTps: 0, sends: t.accepted, rejected: t.rejected, windowMs: 0, arrivalSpanMs: 0 };
  }
  const windowMs = t.lastAcceptedAnswer - t.firstAcceptedArrival;
  return {
    acceptedTps: windowMs > 0 ? round2((t.accepted * 1000) / windowMs) : 0,
    sends: t.accepted,
    rejected: t.rejected,
    windowMs: round2(windowMs),
    arrivalSpanMs: round2(t.lastAcceptedArrival - t.firstAcceptedArrival),
  };
}

/** Nearest-rank percentile (`p` in 0–100) of `values`; 0 for none. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1];
}

/** Status-route latencies; a poll that timed out counts as `timeoutMs` (it took at least that). */
export function latencyFigures(answeredMs: number[], timeouts: number, timeoutMs: number) {
  const all = [...answeredMs, ...Array<number>(timeouts).fill(timeoutMs)];
  const r = (v: number) => Math.round(v);
  return { polls: all.length, p50Ms: r(percentile(all, 50)), p99Ms: r(percentile(all, 99)), maxMs: r(all.length ? Math.max(...all) : 0), timeouts };
}

/**
 * One status poll: when it started (epoch ms), how long it took, whether it gave up at its timeout,
 * and the two waits the worker reported in its Server-Timing header (the run's row in D1, then the
 * coordinator): the rest of `ms` is the request waiting for the worker's thread, in and out.
 */
export interface Poll {
  startedAt: number;
  ms: number;
  timedOut: boolean;
  d1Ms?: number;
  coordinatorMs?: number;
}

/** The `name;dur=N` values of a Server-Timing header. */
export function serverTimings(header: string | null): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of (header ?? "").split(",")) {
    const match = /^\s*([\w-]+);dur=([\d.]+)/.exec(part);
    if (match) out[match[1]] = Number(match[2]);
  }
  return out;
}

/** Where the answered polls of `polls` waited, as p50s: D1, the coordinator, and the rest. */
export function pollWaits(polls: Poll[]) {
  const answered = polls.filter((p) => !p.timedOut && p.d1Ms !== undefined && p.coordinatorMs !== undefined);
  const p50 = (values: number[]) => Math.round(percentile(values, 50));
  return {
    d1P50Ms: p50(answered.map((p) => p.d1Ms!)),
    coordinatorP50Ms: p50(answered.map((p) => p.coordinatorMs!)),
    restP50Ms: p50(answered.map((p) => p.ms - p.d1Ms! - p.coordinatorMs!)),
  };
}

/**
 * The status route under load: the polls in flight at some point of [from, to] (a poll that started
 * earlier and was still waiting counts; its wait is the load's doing).
 */
export function pollsUnderLoad(polls: Poll[], from: number, to: number, timeoutMs: number) {
  const within = polls.filter((p) => p.startedAt <= to && p.startedAt + p.ms >= from);
  return {
    ...latencyFigures(
      within.filter((p) => !p.timedOut).map((p) => p.ms),
      within.filter((p) => p.timedOut).length,
      timeoutMs,
    ),
    waits: pollWaits(within),
  };
}

/** A reading of a cumulative CPU counter (ms) at epoch time `t`. */
export interface CpuSample {
  t: number;
  cpuMs: number;
}

/** CPU time spent from `from` to the last sample: counted from the last sample at or before `from` (else the first). */
export function cpuSince(samples: CpuSample[], from: number): number {
  return cpuBetween(samples, from, Number.POSITIVE_INFINITY);
}

/** CPU time spent between the last samples at or before `from` and `to` (else the first); 0 for no span. */
export function cpuBetween(samples: CpuSample[], from: number, to: number): number {
  if (samples.length === 0 || to < from) return 0;
  return atOrBefore(samples, to).cpuMs - atOrBefore(samples, from).cpuMs;
}

/** The last sample taken at or before `t`, else the first. */
const atOrBefore = <S extends { t: number }>(samples: S[], t: number): S => samples.filter((s) => s.t <= t).at(-1) ?? samples[0];

/** A reading of the whole machine's CPU counters (ms, summed over every core) at epoch time `t`. */
export interface MachineSample {
  t: number;
  busyMs: number;
  totalMs: number;
}

/** The share of the machine's CPU time that was busy between the samples nearest `from` and `to` (null: no span). */
export function busyShare(samples: MachineSample[], from: number, to: number): number | null {
  if (samples.length === 0) return null;
  const [start, end] = [atOrBefore(samples, from), atOrBefore(samples, to)];
  if (end.totalMs <= start.totalMs) return null;
  return round2((end.busyMs - start.busyMs) / (end.totalMs - start.totalMs));
}

/**
 * What the machine's CPU allows at these costs: every transaction costs the chain, the proxy and
 * the generator their CPU per transaction, and all of them share `cores`. The rate at which every
 * core would be busy, were nothing else waiting: this generator sends no faster on this machine
 * unless one of the costs falls. Null when a cost is unknown.
 */
export function cpuBoundTps(cores: number, usPerTxOnPath: Array<number | null>): number | null {
  if (usPerTxOnPath.some((us) => us === null)) return null;
  const total = (usPerTxOnPath as number[]).reduce((sum, us) => sum + us, 0);
  return total > 0 ? Math.round((cores * 1_000_000) / total) : null;
}

/** CPU time per transaction in µs. */
export const usPerTx = (cpuMs: number, transactions: number) => (transactions > 0 ? round2((cpuMs * 1000) / transactions) : null);

export const ratio = (value: number, baseline: number) => (baseline > 0 ? round2(value / baseline) : 0);

/** Issue 9's targets for `npm run bench`. */
export const TARGETS = { burstRatio: 0.9, sustainedRatio: 0.6, signRatio: 2, statusP99Ms: 1000, tailMs: 1000 } as const;

export interface Measured {
  burstRatio: number;
  sustainedRatio: number;
  signRatio: number;
  /** Null: no poll was in flight while the load ran. */
  statusP99Ms: number | null;
  tailMs: number | null;
  /** Every worker run completed and verified on chain. */
  verified: boolean;
}

/** Which targets the measured figures meet: ratios at least, latency and tail at most. */
export function targetsMet(m: Measured, t: typeof TARGETS = TARGETS) {
  return {
    burstRatio: m.burstRatio >= t.burstRatio,
    sustainedRatio: m.sustainedRatio >= t.sustainedRatio,
    signRatio: m.signRatio >= t.signRatio,
    statusP99Ms: m.statusP99Ms !== null && m.statusP99Ms < t.statusP99Ms,
    tailMs: m.tailMs !== null && m.tailMs <= t.tailMs,
    verified: m.verified,
  };
}
