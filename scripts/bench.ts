/**
 * `npm run bench`: one run against one anvil (1 s blocks, 3 G block gas limit), every send through
 * one pass-through counting proxy (bench/counting-proxy.ts), so that every rate is one of sends the
 * node accepted as the proxy saw them:
 *
 *   ceiling    pre-signed eth transfers from Node in JSON-RPC batches (bench/ceiling-sender.ts):
 *              accepted sends from the first one's arrival to the last one's answer. Run once
 *              straight at anvil first, for the proxy's overhead and the sender's CPU per transaction.
 *   sustained  the worker (`wrangler dev`) at a constant target far above the ceiling: accepted load
 *              sends that arrived within durationSec of the first one, per second; the tail (last
 *              load send after that window); the status route's latency polled every 250 ms; the
 *              worker runtime's CPU per transaction.
 *   burst      one pre-signed burst of `--burst` transactions: accepted sends from the first one's
 *              arrival to the last one's answer, as for the ceiling.
 *   signing    signatures per second inside workerd (bench/sign-worker.ts, `signer=viem|wasm`) and
 *              with viem in Node.
 *
 * Every worker run must end completed and verified on chain. Writes bench/results.json (rendered
 * into the README by `npm run figures`) and exits 1 if a run was not verified.
 *
 *   npm run bench -- --accounts 200 --duration 15 --target 20000 --burst 20000
 */
import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import { measureCeiling } from "../bench/ceiling-sender";
import { startCountingProxy, type PhaseReport } from "../bench/counting-proxy";
import { drainFigures, latencyFigures, ratio, round2, sustainedFigures, TARGETS, targetsMet, usPerTx } from "../bench/figures";
import { signMany } from "../bench/sign-worker";
import { TRANSFER_RECIPIENT } from "../src/config";
import type { TestMetrics } from "../src/metrics/test-metrics";
import { startAnvil } from "./lib/anvil";
import { getJson, startRun, TERMINAL_STATUSES } from "./lib/client";
import { startLocalStack, type LocalStack } from "./lib/local-stack";
import { wranglerDevCpuMs } from "./lib/process-memory";
import { progressLine, runVerified } from "./lib/report";
import { startWrangler } from "./lib/wrangler-dev";

const { values } = parseArgs({
  options: {
    accounts: { type: "string", default: "200" },
    duration: { type: "string", default: "15" },
    target: { type: "string", default: "20000" },
    "ceiling-per-account": { type: "string", default: "100" },
    burst: { type: "string", default: "20000" },
    "burst-window-ms": { type: "string", default: "100" },
    signatures: { type: "string", default: "2000" },
    "status-poll-ms": { type: "string", default: "250" },
    "status-timeout-ms": { type: "string", default: "30000" },
    out: { type: "string", default: "bench/results.json" },
  },
});
const accounts = Number(values.accounts);
const durationSec = Number(values.duration);
const targetTps = Number(values.target);
const burstCount = Number(values.burst);
const pollMs = Number(values["status-poll-ms"]);
const pollTimeoutMs = Number(values["status-timeout-ms"]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What polling a run's status saw: latencies while it was running, and its runtime's CPU then. */
interface Followed {
  final: TestMetrics;
  runningLatenciesMs: number[];
  runningTimeouts: number;
  /** Worker runtime (and whole `wrangler dev` group) CPU from the first "running" poll to the end. */
  cpuMs: { workerMs: number; groupMs: number };
}

/**
 * Polls `/v1/status` every `pollMs` (each poll waits up to `pollTimeoutMs`) until the run ends. A
 * poll counts for latency when the run was last seen running as it started.
 */
async function followWithLatency(stack: LocalStack, runId: string): Promise<Followed> {
  const pgid = stack.dev.child.pid!;
  const latencies: number[] = [];
  let timeouts = 0;
  let failuresInARow = 0;
  let running = false;
  let cpuAtRunning: { workerMs: number; groupMs: number } | null = null;
  let lastPrinted = 0;
  for (;;) {
    const started = performance.now();
    let metrics: TestMetrics | null = null;
    try {
      metrics = await getJson<TestMetrics>(`${stack.apiUrl}/v1/status`, pollTimeoutMs);
      failuresInARow = 0;
      if (running) latencies.push(performance.now() - started);
    } catch (err) {
      if (running) timeouts++;
      if (++failuresInARow >= 10) throw err;
    }
    if (metrics?.runId === runId) {
      if (metrics.status === "running" && !running) {
        running = true;
        cpuAtRunning = wranglerDevCpuMs(pgid);
      }
      if (Date.now() - lastPrinted >= 2000 || TERMINAL_STATUSES.includes(metrics.status)) {
        lastPrinted = Date.now();
        console.log(`    ${progressLine(metrics)}`);
      }
      if (TERMINAL_STATUSES.includes(metrics.status)) {
        const end = wranglerDevCpuMs(pgid);
        const from = cpuAtRunning ?? end;
        return { final: metrics, runningLatenciesMs: latencies, runningTimeouts: timeouts, cpuMs: { workerMs: end.workerMs - from.workerMs, groupMs: end.groupMs - from.groupMs } };
      }
    }
    await sleep(Math.max(0, pollMs - (performance.now() - started)));
  }
}

const verificationOf = (m: TestMetrics) => m.verification as { verified?: boolean; includedOnChain?: number; poolLeftovers?: number; accountsWithGaps?: number; problems?: string[] } | null;

/** The figures every worker run records: its outcome and the chain's word on it. */
const runOutcome = (m: TestMetrics) => ({
  status: m.status,
  verified: runVerified(m),
  txSent: m.txSent,
  txConfirmed: m.txConfirmed,
  txFailed: m.txFailed,
  txDiscarded: m.txDiscarded,
  includedOnChain: verificationOf(m)?.includedOnChain ?? null,
  poolLeftovers: verificationOf(m)?.poolLeftovers ?? null,
  accountsWithGaps: verificationOf(m)?.accountsWithGaps ?? null,
  problems: verificationOf(m)?.problems ?? [],
  housekeeping: m.housekeeping,
  sendLatencyP50Ms: m.sendLatency.p50,
  sendLatencyP99Ms: m.sendLatency.p99,
  confirmLatencyP50Ms: m.confirmLatency.p50,
});

const phaseOf = (phases: PhaseReport[], label: string): PhaseReport => {
  const phase = phases.find((p) => p.label === label);
  if (!phase) throw new Error(`the proxy has no phase ${label}`);
  return phase;
};

/**
 * Signatures per second inside workerd for each of `signers`, timed from outside (the isolate's
 * clock stands still): each warmed up once, then three rounds taken in turn, the fastest of each.
 */
async function workerdSignPerSec(url: string, signers: string[], n: number): Promise<Record<string, number>> {
  const timed = async (signer: string, count: number) => {
    const started = performance.now();
    const response = await fetch(`${url}/?n=${count}&signer=${signer}`);
    if (!response.ok) throw new Error(`sign worker (${signer}): HTTP ${response.status} ${await response.text()}`);
    await response.arrayBuffer();
    return performance.now() - started;
  };
  const best: Record<string, { empty: number; full: number }> = {};
  for (const signer of signers) {
    await timed(signer, n); // warm-up: JIT and key derivation
    best[signer] = { empty: Infinity, full: Infinity };
  }
  for (let round = 0; round < 3; round++) {
    for (const signer of signers) {
      best[signer].empty = Math.min(best[signer].empty, await timed(signer, 0));
      best[signer].full = Math.min(best[signer].full, await timed(signer, n));
    }
  }
  return Object.fromEntries(signers.map((s) => [s, round2((n * 1000) / (best[s].full - best[s].empty))]));
}

// A block gas limit far above the load, so the node's ingest, not block space, is the ceiling.
const anvil = await startAnvil({ blockTimeSec: 1, args: ["--gas-limit", "3000000000"] });
const proxy = await startCountingProxy(anvil.url, TRANSFER_RECIPIENT);
let exitCode = 1;
try {
  console.log(`anvil ${anvil.url}, counting proxy ${proxy.url}`);
  const perAccount = Number(values["ceiling-per-account"]);

  console.log("(a) ceiling: pre-signed batches from Node, straight at anvil (the proxy's overhead), then through the proxy…");
  const direct = await measureCeiling(anvil.url, accounts, perAccount);
  console.log(`    direct:  ${JSON.stringify(direct)}`);
  await proxy.mark("ceiling");
  const proxied = await measureCeiling(proxy.url, accounts, perAccount);
  console.log(`    proxied: ${JSON.stringify(proxied)}`);

  console.log(`(b) sustained: the worker at ${targetTps} tps for ${durationSec} s over ${accounts} accounts, status polled every ${pollMs} ms…`);
  const stack = await startLocalStack({ rpcUrl: proxy.url });
  let sustainedRun: Followed;
  let burstRun: Followed;
  try {
    await proxy.mark("sustained");
    const sustainedId = await startRun(stack.apiUrl, { pattern: "constant", durationSec, constantRate: targetTps, numAccounts: accounts, transactionType: "eth-transfer", name: "bench sustained" });
    sustainedRun = await followWithLatency(stack, sustainedId);

    console.log(`(c) burst: ${burstCount} pre-signed over ${accounts} accounts…`);
    await proxy.mark("burst");
    // One burst, one signing lead after the start (at most 10 s): the run lasts past it.
    const burstId = await startRun(stack.apiUrl, {
      pattern: "burst",
      durationSec: 12,
      burstCount,
      burstWindowMs: Number(values["burst-window-ms"]),
      numAccounts: accounts,
      transactionType: "eth-transfer",
      name: "bench burst",
    });
    burstRun = await followWithLatency(stack, burstId);
    await proxy.mark("after");
  } catch (err) {
    console.error(stack.dev.output().slice(-5000));
    throw err;
  } finally {
    await stack.stop();
  }
  const phases = await proxy.report();

  console.log("(d) signing: workerd (viem, wasm) vs Node (viem)…");
  const n = Number(values.signatures);
  const signer = await startWrangler(["--config", "bench/wrangler.sign.toml"], "/?n=1");
  let perSec: Record<string, number>;
  try {
    perSec = await workerdSignPerSec(signer.url, ["viem", "wasm"], n);
  } finally {
    await signer.stop();
  }
  await signMany(n);
  const nodeStarted = performance.now();
  await signMany(n);
  const nodeViemPerSec = round2((n * 1000) / (performance.now() - nodeStarted));

  const ceilingPhase = phaseOf(phases, "ceiling");
  const ceiling = drainFigures(ceilingPhase.load);
  const sustainedPhase = phaseOf(phases, "sustained");
  const sustainedFig = sustainedFigures(sustainedPhase.load, durationSec);
  const status = latencyFigures(sustainedRun.runningLatenciesMs, sustainedRun.runningTimeouts, pollTimeoutMs);
  const burstPhase = phaseOf(phases, "burst");
  const burst = drainFigures(burstPhase.load);
  const burstView = burstRun.final.bursts[0];
  const signing = { viemPerSec: perSec.viem, wasmPerSec: perSec.wasm, wasmOverViem: ratio(perSec.wasm, perSec.viem), nodeViemPerSec, signatures: n };

  const figures = {
    burstRatio: ratio(burst.acceptedTps, ceiling.acceptedTps),
    sustainedRatio: ratio(sustainedFig.acceptedTps, ceiling.acceptedTps),
    signRatio: signing.wasmOverViem,
    statusP99Ms: status.p99Ms,
    tailMs: sustainedFig.tailAfterDurationMs,
    verified: runVerified(sustainedRun.final) && runVerified(burstRun.final),
  };
  const results = {
    measuredAt: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "?", node: process.version },
    chain: "anvil, 1 s blocks, 3,000,000,000 block gas limit; every send through the counting proxy",
    ceiling: {
      acceptedTps: ceiling.acceptedTps,
      sends: ceiling.sends,
      rejected: ceiling.rejected,
      windowMs: ceiling.windowMs,
      accounts,
      perAccount,
      batchSize: 200,
      connections: 6,
      includedTps: proxied.includedTps,
      senderCpuUsPerTx: direct.cpuUsPerTx,
      // The same sender straight at anvil, timed by itself: what the proxy costs.
      directSenderTps: direct.acceptedTps,
      proxiedSenderTps: proxied.acceptedTps,
      proxyOverhead: round2(1 - proxied.acceptedTps / direct.acceptedTps),
      proxyCpuUsPerSend: usPerTx(ceilingPhase.proxyCpuMs, ceilingPhase.load.accepted + ceilingPhase.load.rejected),
    },
    sustained: {
      targetTps,
      durationSec,
      accounts,
      acceptedTps: sustainedFig.acceptedTps,
      ratio: figures.sustainedRatio,
      acceptedInWindow: sustainedFig.acceptedInWindow,
      rejectedInWindow: sustainedFig.rejectedInWindow,
      loadSendsSeen: sustainedPhase.load.accepted + sustainedPhase.load.rejected,
      otherSendsSeen: sustainedPhase.other.accepted + sustainedPhase.other.rejected,
      tailAfterDurationMs: sustainedFig.tailAfterDurationMs,
      acceptedTailAfterDurationMs: sustainedFig.acceptedTailAfterDurationMs,
      statusPolls: status.polls,
      statusP50Ms: status.p50Ms,
      statusP99Ms: status.p99Ms,
      statusMaxMs: status.maxMs,
      statusTimeouts: status.timeouts,
      statusPollMs: pollMs,
      statusTimeoutMs: pollTimeoutMs,
      cpuUsPerTx: usPerTx(sustainedRun.cpuMs.workerMs, sustainedRun.final.txSent),
      groupCpuUsPerTx: usPerTx(sustainedRun.cpuMs.groupMs, sustainedRun.final.txSent),
      proxyCpuUsPerSend: usPerTx(sustainedPhase.proxyCpuMs, sustainedPhase.load.accepted + sustainedPhase.load.rejected + sustainedPhase.other.accepted + sustainedPhase.other.rejected),
      ...runOutcome(sustainedRun.final),
    },
    burst: {
      burstCount,
      burstWindowMs: Number(values["burst-window-ms"]),
      accounts,
      acceptedTps: burst.acceptedTps,
      ratio: figures.burstRatio,
      sends: burst.sends,
      rejected: burst.rejected,
      windowMs: burst.windowMs,
      arrivalSpanMs: burst.arrivalSpanMs,
      startSkewMs: burstView?.startSkewMs ?? null,
      missed: burstView?.missed ?? null,
      ...runOutcome(burstRun.final),
    },
    signing,
    targets: TARGETS,
    met: targetsMet(figures),
  };
  writeFileSync(values.out!, JSON.stringify(results, null, 2) + "\n");
  console.log(JSON.stringify(results, null, 2));
  if (!figures.verified) console.error("a worker run did not complete verified: see sustained/burst status and problems");
  else exitCode = 0;
} finally {
  await proxy.stop();
  await anvil.stop();
}
process.exit(exitCode);
