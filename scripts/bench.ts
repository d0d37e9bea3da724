/**
 * `npm run bench`: one run against one anvil (1 s blocks, 3 G block gas limit), every send through
 * one pass-through counting proxy (bench/counting-proxy.ts), so that every rate is one of sends the
 * node accepted as the proxy saw them (the proxy also times what it adds to each request):
 *
 *   ceiling    pre-signed eth transfers from Node in JSON-RPC batches (bench/ceiling-sender.ts):
 *              accepted sends from the first one's arrival to the last one's answer; the sender's
 *              CPU per transaction (the proxy is a process of its own). `--direct-ceiling` runs it
 *              once more straight at anvil: the sender's own view of the proxy's cost.
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
 *   npm run bench -- --accounts 200 --duration 15 --target 20000 --burst 20000 [--direct-ceiling] [--state memory|disk]
 */
import { existsSync, statfsSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import { measureCeiling, type CeilingResult } from "../bench/ceiling-sender";
import { startCountingProxy, type PhaseReport } from "../bench/counting-proxy";
import { acceptedPerSecond, busyShare, cpuBetween, cpuBoundTps, cpuSince, drainFigures, pollsUnderLoad, ratio, serverTimings, round2, sustainedFigures, TARGETS, targetsMet, usPerTx, type CpuSample, type MachineSample, type Poll } from "../bench/figures";
import { signMany } from "../bench/sign-many";
import { senderAccount } from "../src/account/keys";
import { DEV_MNEMONIC, TRANSFER_RECIPIENT } from "../src/config";
import type { TestMetrics } from "../src/metrics/test-metrics";
import { startAnvil } from "./lib/anvil";
import { startRun, TERMINAL_STATUSES } from "./lib/client";
import { startLocalStack, type LocalStack } from "./lib/local-stack";
import { machineCpuMs, processCpuMs, wranglerDevCpuMs } from "./lib/process-memory";
import { progressLine, runVerified } from "./lib/report";
import { startWrangler } from "./lib/wrangler-dev";

const { values } = parseArgs({
  options: {
    accounts: { type: "string", default: "200" },
    duration: { type: "string", default: "15" },
    target: { type: "string", default: "20000" },
    "ceiling-per-account": { type: "string", default: "100" },
    // More connections than 6 let anvil ingest faster (straight at anvil: ~6,300 tps over 6, ~7,200 over 32).
    "ceiling-connections": { type: "string", default: "32" },
    /** Also run the ceiling straight at anvil, after the proxied one: the sender's own view of the proxy's cost. */
    "direct-ceiling": { type: "boolean", default: false },
    burst: { type: "string", default: "20000" },
    "burst-window-ms": { type: "string", default: "100" },
    signatures: { type: "string", default: "2000" },
    "status-poll-ms": { type: "string", default: "250" },
    "status-timeout-ms": { type: "string", default: "30000" },
    /** Where the worker's local state (D1, every Durable Object's SQLite) lives: `memory` (tmpfs) or `disk`. */
    state: { type: "string", default: "memory" },
    out: { type: "string", default: "bench/results.json" },
  },
});
const accounts = Number(values.accounts);
const durationSec = Number(values.duration);
const targetTps = Number(values.target);
const burstCount = Number(values.burst);
const pollMs = Number(values["status-poll-ms"]);
const pollTimeoutMs = Number(values["status-timeout-ms"]);
const CEILING_BATCH = 200;
/**
 * The worker's local state on a RAM disk when the machine has one. Durable Object storage in
 * production is Cloudflare's, not this machine's disk; locally every object's SQLite commits go to
 * the disk, fsyncs included (about 150 a second under the sustained load), and with the state there
 * the machine sat a fifth idle while the load ran. The bench measures the generator, not the disk:
 * `--state disk` measures it the other way.
 */
const TMPFS = "/dev/shm";
/** The state of one bench's runs takes a few hundred MB; a container's /dev/shm may hold 64 MB. */
const TMPFS_NEEDED_BYTES = 1024 ** 3;
if (values.state !== "memory" && values.state !== "disk") throw new Error(`--state: "memory" or "disk", not "${values.state}"`);
const tmpfsFree = existsSync(TMPFS) ? statfsSync(TMPFS).bavail * statfsSync(TMPFS).bsize : 0;
const stateOnTmpfs = values.state === "memory" && tmpfsFree >= TMPFS_NEEDED_BYTES;
if (values.state === "memory" && !stateOnTmpfs) console.log(`${TMPFS}: ${Math.round(tmpfsFree / 1024 ** 2)} MB free, under 1 GB: the worker's state goes to disk`);
/** CPU counters are read this often while a run is followed: a burst's window is a few seconds. */
const CPU_SAMPLE_MS = 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What following a run saw: every status poll, and the worker runtime's CPU sampled meanwhile. */
interface Followed {
  final: TestMetrics;
  polls: Poll[];
  /** Cumulative CPU of the worker runtime and of the whole `wrangler dev` process group. */
  workerCpu: CpuSample[];
  groupCpu: CpuSample[];
  /** Cumulative CPU of the chain (anvil), and of the whole machine. */
  anvilCpu: CpuSample[];
  machine: MachineSample[];
}

/**
 * Polls `/v1/status` one after another, starting one every `pollMs` (or as soon as the last one
 * answered, if it took longer), each waiting up to `pollTimeoutMs`, until the run ends; samples
 * the CPU of the worker, of anvil and of the whole machine every CPU_SAMPLE_MS on a timer of its
 * own, so a status route that does not answer does not stop it.
 */
async function follow(stack: LocalStack, runId: string): Promise<Followed> {
  const pgid = stack.dev.child.pid!;
  const polls: Poll[] = [];
  const workerCpu: CpuSample[] = [];
  const groupCpu: CpuSample[] = [];
  const anvilCpu: CpuSample[] = [];
  const machine: MachineSample[] = [];
  const sampleCpu = () => {
    const t = Date.now();
    const cpu = wranglerDevCpuMs(pgid);
    workerCpu.push({ t, cpuMs: cpu.workerMs });
    groupCpu.push({ t, cpuMs: cpu.groupMs });
    anvilCpu.push({ t, cpuMs: processCpuMs(anvil.child.pid!) });
    machine.push({ t, ...machineCpuMs() });
  };
  sampleCpu();
  const sampler = setInterval(sampleCpu, CPU_SAMPLE_MS);
  let failuresInARow = 0;
  let lastPrinted = 0;
  try {
    for (;;) {
      const startedAt = Date.now();
      let metrics: TestMetrics | null = null;
      try {
        const response = await fetch(`${stack.apiUrl}/v1/status`, { signal: AbortSignal.timeout(pollTimeoutMs) });
        if (!response.ok) throw new Error(`HTTP ${response.status} ${await response.text()}`);
        metrics = (await response.json()) as TestMetrics;
        const { d1, coordinator } = serverTimings(response.headers.get("server-timing"));
        polls.push({ startedAt, ms: Date.now() - startedAt, timedOut: false, d1Ms: d1, coordinatorMs: coordinator });
        failuresInARow = 0;
      } catch (err) {
        polls.push({ startedAt, ms: Date.now() - startedAt, timedOut: true });
        console.log(`    status poll: no answer after ${Date.now() - startedAt} ms (${err instanceof Error ? err.message : err})`);
        if (++failuresInARow >= 10) throw err;
      }
      if (metrics?.runId === runId) {
        const ended = TERMINAL_STATUSES.includes(metrics.status);
        if (Date.now() - lastPrinted >= 2000 || ended) {
          lastPrinted = Date.now();
          console.log(`    ${progressLine(metrics)} (poll ${polls.at(-1)!.ms} ms)`);
        }
        if (ended) {
          sampleCpu();
          return { final: metrics, polls, workerCpu, groupCpu, anvilCpu, machine };
        }
      }
      await sleep(Math.max(0, pollMs - (Date.now() - startedAt)));
    }
  } finally {
    clearInterval(sampler);
  }
}

/** anvil's and the worker's CPU per transaction, and the machine's busy share, over [from, to] of a followed run. */
function windowCosts(run: Followed, from: number, to: number, transactions: number) {
  return {
    anvilUsPerTx: usPerTx(cpuBetween(run.anvilCpu, from, to), transactions),
    workerUsPerTx: usPerTx(cpuBetween(run.groupCpu, from, to), transactions),
    machineBusyShare: busyShare(run.machine, from, to),
  };
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
  stuck: m.stuck,
  retries: m.retries,
  errors: m.errors,
  sendLatencyP50Ms: m.sendLatency.p50,
  sendLatencyP99Ms: m.sendLatency.p99,
  confirmLatencyP50Ms: m.confirmLatency.p50,
});

/**
 * What the proxy adds, from its own clocks: the share of a send request's time (arrival to the end
 * of its answer) not spent waiting on the node, per request, and its CPU time per send.
 */
const proxyCost = (p: PhaseReport) => ({
  proxyAddedShare: p.sendRequestMs > 0 ? round2(1 - p.upstreamMs / p.sendRequestMs) : null,
  proxyAddedMsPerRequest: p.sendRequests > 0 ? round2((p.sendRequestMs - p.upstreamMs) / p.sendRequests) : null,
  proxyCpuUsPerSend: usPerTx(p.proxyCpuMs, p.load.accepted + p.load.rejected + p.other.accepted + p.other.rejected),
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
  const connections = Number(values["ceiling-connections"]);

  console.log("(a) ceiling: pre-signed batches from Node through the proxy…");
  await proxy.mark("ceiling");
  const anvilCpuBefore = processCpuMs(anvil.child.pid!);
  const proxied = await measureCeiling(proxy.url, accounts, perAccount, CEILING_BATCH, connections);
  // Ingesting and mining the ceiling's transactions (signing them, before, leaves anvil idle).
  const ceilingAnvilCpuMs = processCpuMs(anvil.child.pid!) - anvilCpuBefore;
  await proxy.mark("between");
  console.log(`    ${JSON.stringify(proxied)}`);
  let direct: CeilingResult | null = null;
  if (values["direct-ceiling"]) {
    direct = await measureCeiling(anvil.url, accounts, perAccount, CEILING_BATCH, connections);
    console.log(`    straight at anvil: ${JSON.stringify(direct)}`);
  }

  console.log(`(b) sustained: the worker at ${targetTps} tps for ${durationSec} s over ${accounts} accounts, status polled every ${pollMs} ms…`);
  const stack = await startLocalStack({ rpcUrl: proxy.url, stateRoot: stateOnTmpfs ? TMPFS : undefined });
  let sustainedRun: Followed;
  let burstRun: Followed;
  try {
    await proxy.mark("sustained");
    const sustainedId = await startRun(stack.apiUrl, { pattern: "constant", durationSec, constantRate: targetTps, numAccounts: accounts, transactionType: "eth-transfer", name: "bench sustained" });
    sustainedRun = await follow(stack, sustainedId);

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
    burstRun = await follow(stack, burstId);
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
  const nodeSigner = senderAccount({ kind: "mnemonic", mnemonic: DEV_MNEMONIC }, 0);
  await signMany(n, nodeSigner);
  const nodeStarted = performance.now();
  await signMany(n, nodeSigner);
  const nodeViemPerSec = round2((n * 1000) / (performance.now() - nodeStarted));

  const ceilingPhase = phaseOf(phases, "ceiling");
  const ceiling = drainFigures(ceilingPhase.load);
  const sustainedPhase = phaseOf(phases, "sustained");
  const sustainedFig = sustainedFigures(sustainedPhase.load, durationSec);
  // Under load: from the first load send to the end of durationSec after it (or the last send, if later).
  const loadFrom = sustainedPhase.load.firstArrival ?? Infinity;
  const loadTo = Math.max(loadFrom + durationSec * 1000, sustainedPhase.load.lastArrival ?? 0);
  const status = pollsUnderLoad(sustainedRun.polls, loadFrom, loadTo, pollTimeoutMs);
  const txSent = sustainedRun.final.txSent;
  const burstPhase = phaseOf(phases, "burst");
  const burst = drainFigures(burstPhase.load);
  const burstView = burstRun.final.bursts[0];
  const burstStatus = pollsUnderLoad(burstRun.polls, -Infinity, Infinity, pollTimeoutMs);
  // Where the machine's CPU went per transaction, for what binds: the chain, the proxy and the worker share its cores.
  const cores = cpus().length;
  const sustainedCost = proxyCost(sustainedPhase);
  const sustainedWindow = windowCosts(sustainedRun, loadFrom, loadTo, sustainedPhase.load.accepted);
  const boundTps = cpuBoundTps(cores, [sustainedWindow.anvilUsPerTx, sustainedCost.proxyCpuUsPerSend, sustainedWindow.workerUsPerTx]);
  const cpuBudget = {
    cores,
    ceilingAnvilUsPerTx: usPerTx(ceilingAnvilCpuMs, ceiling.sends),
    // While the load ran (its first send to durationSec after it): the busy share's window too.
    sustained: {
      anvilUsPerTx: sustainedWindow.anvilUsPerTx,
      proxyUsPerTx: sustainedCost.proxyCpuUsPerSend,
      workerUsPerTx: sustainedWindow.workerUsPerTx,
      machineBusyShare: sustainedWindow.machineBusyShare,
      boundTps,
      boundRatio: boundTps === null ? null : ratio(boundTps, ceiling.acceptedTps),
    },
    // From the burst's first send's arrival to its last answer: what the worker does meanwhile (the
    // answers, the ledger, the results) competes with anvil's ingest for the same cores.
    burst:
      burstPhase.load.firstAcceptedArrival === null || burstPhase.load.lastAcceptedAnswer === null
        ? null
        : windowCosts(burstRun, burstPhase.load.firstAcceptedArrival, burstPhase.load.lastAcceptedAnswer, burst.sends),
  };
  const signing = { viemPerSec: perSec.viem, wasmPerSec: perSec.wasm, wasmOverViem: ratio(perSec.wasm, perSec.viem), nodeViemPerSec, signatures: n };

  const figures = {
    burstRatio: ratio(burst.acceptedTps, ceiling.acceptedTps),
    sustainedRatio: ratio(sustainedFig.acceptedTps, ceiling.acceptedTps),
    signRatio: signing.wasmOverViem,
    statusP99Ms: status.polls > 0 ? status.p99Ms : null,
    tailMs: sustainedFig.tailAfterDurationMs,
    verified: runVerified(sustainedRun.final) && runVerified(burstRun.final),
  };
  const results = {
    measuredAt: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "?", node: process.version },
    chain: "anvil, 1 s blocks, 3,000,000,000 block gas limit; every send through the counting proxy",
    workerState: stateOnTmpfs ? "tmpfs" : "disk",
    ceiling: {
      acceptedTps: ceiling.acceptedTps,
      sends: ceiling.sends,
      rejected: ceiling.rejected,
      windowMs: ceiling.windowMs,
      accounts,
      perAccount,
      batchSize: CEILING_BATCH,
      connections,
      includedTps: proxied.includedTps,
      senderCpuUsPerTx: proxied.cpuUsPerTx,
      ...proxyCost(ceilingPhase),
      // The same sender timed by itself, through the proxy and (with --direct-ceiling, run after) straight at anvil.
      proxiedSenderTps: proxied.acceptedTps,
      directSenderTps: direct?.acceptedTps ?? null,
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
      acceptedPerSecond: acceptedPerSecond(sustainedPhase.load),
      tailAfterDurationMs: sustainedFig.tailAfterDurationMs,
      acceptedTailAfterDurationMs: sustainedFig.acceptedTailAfterDurationMs,
      statusPolls: status.polls,
      statusP50Ms: status.p50Ms,
      statusP99Ms: status.polls > 0 ? status.p99Ms : null,
      statusMaxMs: status.maxMs,
      statusWaits: status.waits,
      statusTimeouts: status.timeouts,
      statusPollMs: pollMs,
      statusTimeoutMs: pollTimeoutMs,
      // How late the coordinator's ticks started: the queue every request to the worker waits in.
      coordinatorTick: sustainedRun.final.coordinatorTick,
      // From the first load send to the run's end (sending, confirming, the stop sequence, verification).
      cpuUsPerTx: usPerTx(cpuSince(sustainedRun.workerCpu, loadFrom), txSent),
      groupCpuUsPerTx: usPerTx(cpuSince(sustainedRun.groupCpu, loadFrom), txSent),
      rejectedBy: sustainedPhase.errors,
      ...sustainedCost,
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
      rejectedBy: burstPhase.errors,
      startSkewMs: burstView?.startSkewMs ?? null,
      // Every poll of the burst run, from the start request on: signing 20,000 ahead loads the worker too.
      statusP99Ms: burstStatus.p99Ms,
      statusMaxMs: burstStatus.maxMs,
      statusWaits: burstStatus.waits,
      statusTimeouts: burstStatus.timeouts,
      missed: burstView?.missed ?? null,
      ...runOutcome(burstRun.final),
    },
    cpuBudget,
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
