/**
 * `npm run scale`: checks the shape of the capacity plan (docs/CAPACITY.md) with many account
 * objects on one machine. Starts anvil and `wrangler dev`, runs a constant rate over `--accounts`
 * objects (1,000 by default), and records:
 *   - time to initialize, per init phase (read by polling /v1/status; resolution = the poll interval)
 *   - the achieved rate (sent and confirmed per second of sending) and the chain verification
 *   - the coordinator's tick duration and interval (TestMetrics `coordinatorTick`)
 *   - the resident memory of the runtime that runs the worker and every Durable Object
 * Writes bench/scale-results.json, also when the run fails (with where it stopped). Exits 0 only if
 * the run completed and verified.
 *
 *   npm run scale -- --accounts 1000 --rate 500 --duration 30
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { InitPhase, TestMetrics } from "../src/metrics/test-metrics";
import { startAnvil } from "./lib/anvil";
import { TERMINAL_STATUSES, getJson, startRun } from "./lib/client";
import { startLocalStack } from "./lib/local-stack";
import { wranglerDevMemory } from "./lib/process-memory";
import { progressLine, runVerified, summaryTable } from "./lib/report";

const { values } = parseArgs({
  options: {
    accounts: { type: "string", default: "1000" },
    rate: { type: "string", default: "500" },
    duration: { type: "string", default: "30" },
    poll: { type: "string", default: "250" },
    /** Give up on the run (and report where it was) after this many seconds. */
    timeout: { type: "string", default: "1800" },
    out: { type: "string", default: "bench/scale-results.json" },
  },
});
const accounts = Number(values.accounts);
const rate = Number(values.rate);
const durationSec = Number(values.duration);
const pollMs = Number(values.poll);
const MEMORY_SAMPLE_MS = 5_000;
/** Status polls in a row that may go unanswered (a saturated local worker answers late) before giving up. */
const MAX_UNANSWERED = 20;

const round = (v: number) => Math.round(v * 100) / 100;

interface PhaseMark {
  phase: InitPhase | "running" | "verifying" | "done";
  at: number;
}

const anvil = await startAnvil({ blockTimeSec: 1, args: ["--gas-limit", "3000000000"] });
const stack = await startLocalStack({ rpcUrl: anvil.url });
const pgid = stack.dev.child.pid!;
const marks: PhaseMark[] = [];
const memory: Array<{ t: number; phase: string; workerMb: number; allWorkerdMb: number }> = [];
const running: Array<{ t: number; txSent: number; txConfirmed: number; currentTps: number; txPending: number }> = [];
let last: TestMetrics | undefined;
let failure: string | null = null;
let startedAt = 0;
let exitCode = 1;

function mark(phase: PhaseMark["phase"], at: number) {
  if (marks.at(-1)?.phase !== phase) {
    marks.push({ phase, at });
    console.log(`[${((at - startedAt) / 1000).toFixed(2)} s] ${phase}`);
  }
}

try {
  startedAt = Date.now();
  const runId = await startRun(stack.apiUrl, { pattern: "constant", durationSec, constantRate: rate, numAccounts: accounts, name: `scale ${accounts} objects` });
  console.log(`scale ${runId}: ${accounts} account objects, ${rate} tps for ${durationSec} s`);
  const deadline = startedAt + Number(values.timeout) * 1000;
  let unanswered = 0;
  let lastMemoryAt = 0;
  let lastPrintAt = 0;
  while (Date.now() < deadline) {
    let m: TestMetrics;
    try {
      m = await getJson<TestMetrics>(`${stack.apiUrl}/v1/status`, 30_000);
      unanswered = 0;
    } catch (err) {
      if (++unanswered >= MAX_UNANSWERED) throw new Error(`status went unanswered ${MAX_UNANSWERED} times in a row: ${err instanceof Error ? err.message : err}`);
      continue;
    }
    const now = Date.now();
    if (m.runId !== runId) {
      await new Promise((r) => setTimeout(r, pollMs));
      continue;
    }
    last = m;
    if (m.status === "initializing") mark(m.initPhase ?? "deriving_accounts", now);
    else if (m.status === "running") mark("running", now);
    else if (m.status === "verifying") mark("verifying", now);
    if (m.status === "running") running.push({ t: round(m.elapsedMs / 1000), txSent: m.txSent, txConfirmed: m.txConfirmed, currentTps: m.currentTps, txPending: m.txPending });
    if (now - lastMemoryAt >= MEMORY_SAMPLE_MS) {
      lastMemoryAt = now;
      const mem = wranglerDevMemory(pgid);
      memory.push({ t: round((now - startedAt) / 1000), phase: m.status === "initializing" ? (m.initPhase ?? m.status) : m.status, workerMb: mem.workerMb, allWorkerdMb: mem.totalMb });
    }
    if (now - lastPrintAt >= 2_000) {
      lastPrintAt = now;
      console.log(`  ${progressLine(m)}`);
    }
    if (TERMINAL_STATUSES.includes(m.status)) {
      mark("done", now);
      break;
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
  if (!last || !TERMINAL_STATUSES.includes(last.status)) throw new Error(`the run did not end within ${values.timeout} s`);
  console.log(summaryTable(last));
  exitCode = runVerified(last) ? 0 : 1;
} catch (err) {
  failure = err instanceof Error ? err.message : String(err);
  console.error(failure);
  console.error(stack.dev.output().slice(-3000));
} finally {
  writeFileSync(values.out!, JSON.stringify(results(), null, 2) + "\n");
  console.log(`results in ${values.out}`);
  await stack.stop();
  await anvil.stop();
}
process.exit(exitCode);

function results() {
  const at = (phase: PhaseMark["phase"]) => marks.find((m) => m.phase === phase)?.at;
  // Each init phase seen lasts from its first sighting to the next phase's; a phase never seen took
  // less than one poll. What came before the first poll's answer is reported apart.
  const phases: Record<string, number> = {};
  marks.forEach((m, i) => {
    const to = marks[i + 1]?.at;
    if (m.phase !== "running" && m.phase !== "verifying" && m.phase !== "done" && to !== undefined) phases[m.phase] = to - m.at;
  });
  const runningAt = at("running");
  const m = last;
  const verification = (m?.verification ?? null) as { verified?: boolean; includedOnChain?: number; accountsChecked?: number; problems?: string[] } | null;
  const rss = memory.map((s) => s.workerMb);
  return {
    measuredAt: new Date().toISOString(),
    machine: "2 shared cores, 24 GiB; wrangler dev (workerd, every object in one process) against a local anvil (1 s blocks)",
    accounts,
    targetTps: rate,
    durationSec,
    pollMs,
    status: m?.status ?? "not started",
    error: failure ?? m?.error ?? null,
    /** Where the run was when it ended or broke. */
    lastPhase: m ? (m.status === "initializing" ? m.initPhase : m.status) : null,
    accountsActive: m?.accountsActive ?? 0,
    initialize: {
      /** From the start request to the run's own start (TestMetrics `startedAt`; same machine, same clock). */
      totalMs: m?.startedAt ? m.startedAt - startedAt : null,
      /** From the start request to the first status poll that showed the run running (polls may go unanswered meanwhile). */
      firstPolledRunningMs: runningAt === undefined ? null : runningAt - startedAt,
      /** As the coordinator timed each phase (TestMetrics `initPhasesMs`): exact, whatever the polling saw. */
      coordinatorPhasesMs: m?.initPhasesMs ?? null,
      /** From the start request to the first answer of a status poll, and the phase that answer showed. */
      beforeFirstPollMs: marks.length ? marks[0].at - startedAt : null,
      firstPhaseSeen: marks[0]?.phase ?? null,
      /** From the first poll that showed the phase to the first that showed the next (± one poll interval). */
      polledPhasesMs: phases,
    },
    achieved: m
      ? {
          txSent: m.txSent,
          txConfirmed: m.txConfirmed,
          txFailed: m.txFailed,
          txDiscarded: m.txDiscarded,
          /** Over the run's sending time (`durationSec`). */
          sentPerSec: round(m.txSent / durationSec),
          confirmedPerSec: round(m.txConfirmed / durationSec),
          averageTps: m.averageTps,
          peakTps: m.peakTps,
          sendLatencyP50Ms: m.sendLatency.p50,
          sendLatencyP99Ms: m.sendLatency.p99,
          confirmLatencyP50Ms: m.confirmLatency.p50,
          confirmLatencyP99Ms: m.confirmLatency.p99,
          errors: m.errors,
          stopSequenceMs: m.stopSequenceMs,
        }
      : null,
    verified: m ? runVerified(m) : false,
    verification: verification && { verified: verification.verified, includedOnChain: verification.includedOnChain, accountsChecked: verification.accountsChecked, problems: verification.problems },
    coordinatorTick: m?.coordinatorTick ?? null,
    memory: { peakWorkerMb: rss.length ? Math.max(...rss) : null, samples: memory },
    phaseMarks: marks.map((p) => ({ phase: p.phase, atMs: p.at - startedAt })),
    running,
  };
}
