/**
 * The live progress line of `loadgen run` (cli-progress): time through the run as the bar, then the
 * rate, counts, confirm p99 and what is left. On a terminal it redraws in place; elsewhere (a CI
 * log) it prints a line at each change of phase and every 5 s. It writes to stderr, so stdout stays
 * for results.
 */
import { SingleBar } from "cli-progress";
import type { TestMetrics } from "../src/metrics/test-metrics";
import { TERMINAL } from "./follow";

export interface ProgressPayload {
  phase: string;
  rate: string;
  target: string;
  sent: number;
  confirmed: number;
  pending: number;
  failed: number;
  p99: string;
  left: string;
}

const FORMAT = "{bar} {percentage}% | {phase} | {rate}/s of {target} | sent {sent} · confirmed {confirmed} · pending {pending} · failed {failed} | p99 {p99} ms | ETA {left}";

/** What is left: the sending time, then the stop sequence (grace period and on-chain verification). */
function left(m: TestMetrics, durationSec: number): string {
  if (m.status === "initializing") return "starting";
  if (m.status === "verifying") return "verifying";
  if (m.status !== "running") return "done";
  const seconds = Math.max(0, Math.ceil(durationSec - m.elapsedMs / 1000));
  return seconds > 0 ? `${seconds}s + verification` : "verification";
}

export function progressPayload(m: TestMetrics, durationSec: number): ProgressPayload {
  return {
    phase: m.status === "initializing" ? `init: ${m.initPhase ?? "starting"}` : m.status,
    rate: m.currentTps.toFixed(1),
    target: String(m.targetTps),
    sent: m.txSent,
    confirmed: m.txConfirmed,
    pending: m.txPending,
    failed: m.txFailed,
    p99: String(Math.round(m.confirmLatency.p99)),
    left: left(m, durationSec),
  };
}

/** Seconds of sending done, as the bar's value out of `durationSec`. */
export const secondsDone = (m: TestMetrics, durationSec: number) =>
  m.status === "initializing" ? 0 : m.status === "running" ? Math.min(durationSec, Math.floor(m.elapsedMs / 1000)) : durationSec;

export interface Progress {
  update(m: TestMetrics): void;
  stop(): void;
}

export function startProgress(durationSec: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  const bar = new SingleBar({
    format: FORMAT,
    stream,
    barsize: 20,
    hideCursor: true,
    // A line every 5 s in a log that is not a terminal; the CLI handles Ctrl-C itself.
    noTTYOutput: true,
    notTTYSchedule: 5_000,
    gracefulExit: false,
  });
  let started = false;
  let phase = "";
  return {
    update(m) {
      const payload = progressPayload(m, durationSec);
      if (!started) {
        bar.start(durationSec, secondsDone(m, durationSec), payload);
        started = true;
      } else {
        bar.update(secondsDone(m, durationSec), payload);
        // A log gets a line at each change of phase too, not only every 5 s (stop() draws the last one).
        if (payload.phase !== phase && !TERMINAL.has(m.status)) bar.render();
      }
      phase = payload.phase;
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
