/**
 * `npm run figures`: renders the README's (and docs/CAPACITY.md's) tables of measured figures from
 * the results files that measured runs wrote — no figure is typed by hand:
 *
 *   bench/fault-scenarios.json  written by the fault-scenario suite (`npm run test:scenarios`)
 *   bench/results.json          written by `npm run bench`
 *   bench/soak-results.json     written by `npm run soak`
 *   bench/workload-results.json written by `npm run workloads`
 *   bench/scale-results.json    written by `npm run scale`        (docs/CAPACITY.md)
 *   bench/tracker-cost.json     written by `npm run tracker-cost` (docs/CAPACITY.md)
 *
 * Each table sits between `<!-- NAME:start -->` and `<!-- NAME:end -->`; a missing results file
 * leaves its table as it is.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import type { WorkloadFigure } from "./lib/workload-figure";

const fmt = (n: number) => n.toLocaleString("en-US");

interface ScenarioReport {
  scenario: string;
  rateTps: number;
  durationSec: number;
  txSent: number;
  txConfirmed: number;
  txFailed: number;
  txDiscarded: number;
  onChain: number;
  faultsInjected: number;
  breakerTrips: number;
  rebroadcast: number;
  replaced: number;
  lost: number;
  verified: boolean;
}

function faultTable(reports: ScenarioReport[]): string[] {
  return [
    "| scenario | load | faults injected | sent | confirmed | on chain | failed | discarded | breaker trips / re-broadcasts / replacements | verified | lost |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
    ...reports.map((r) =>
      `| ${[
        r.scenario,
        `${r.rateTps} tps × ${r.durationSec} s`,
        r.faultsInjected,
        r.txSent,
        r.txConfirmed,
        r.onChain,
        r.txFailed,
        r.txDiscarded,
        `${r.breakerTrips} / ${r.rebroadcast} / ${r.replaced}`,
        r.verified ? "yes" : "**no**",
        `**${r.lost}**`,
      ].join(" | ")} |`,
    ),
  ];
}

interface BenchRun {
  status: string;
  verified: boolean;
  txSent: number;
  txConfirmed: number;
  txFailed: number;
  txDiscarded: number;
  includedOnChain: number | null;
  poolLeftovers: number | null;
  accountsWithGaps: number | null;
}

interface BenchResults {
  machine: { cpus: number; node: string };
  ceiling: {
    acceptedTps: number;
    sends: number;
    accounts: number;
    batchSize: number;
    connections: number;
    windowMs: number;
    senderCpuUsPerTx: number;
    proxyCpuUsPerSend: number | null;
    proxyAddedMsPerRequest: number | null;
    directSenderTps: number | null;
    proxiedSenderTps: number;
  };
  sustained: BenchRun & {
    targetTps: number;
    durationSec: number;
    accounts: number;
    acceptedTps: number;
    ratio: number;
    tailAfterDurationMs: number | null;
    /** Accepted load sends per second from the first (absent in older results). */
    acceptedPerSecond?: number[];
    statusPolls: number;
    statusPollMs: number;
    statusP50Ms: number;
    statusP99Ms: number;
    statusMaxMs: number;
    statusTimeouts: number;
    cpuUsPerTx: number | null;
  };
  burst: BenchRun & { burstCount: number; accounts: number; acceptedTps: number; ratio: number; sends: number; windowMs: number; arrivalSpanMs: number; statusP99Ms: number; statusMaxMs: number; statusTimeouts: number };
  signing: { viemPerSec: number; wasmPerSec: number; wasmOverViem: number; nodeViemPerSec: number };
  /** Absent in results from before it was measured. */
  cpuBudget?: {
    cores: number;
    ceilingAnvilUsPerTx: number | null;
    sustained: { anvilUsPerTx: number | null; proxyUsPerTx: number | null; workerUsPerTx: number | null; machineBusyShare: number | null; boundTps: number | null; boundRatio: number | null };
    burst?: { anvilUsPerTx: number | null; workerUsPerTx: number | null; machineBusyShare: number | null } | null;
  };
  targets: { burstRatio: number; sustainedRatio: number; signRatio: number; statusP99Ms: number; tailMs: number };
  met: { burstRatio: boolean; sustainedRatio: boolean; signRatio: boolean; statusP99Ms: boolean; tailMs: boolean; verified: boolean };
}

/** What binds the sustained rate: the chain, the proxy and the worker share the machine's cores. */
function cpuBudgetRows({ cores, ceilingAnvilUsPerTx, sustained: s, burst: u }: NonNullable<BenchResults["cpuBudget"]>): string[] {
  const us = (v: number | null) => (v === null ? "—" : `${fmt(Math.round(v))} µs`);
  const busy = (share: number | null) => (share === null ? "—" : `${Math.round(share * 100)} %`);
  const bound = s.boundTps === null ? "—" : `**${fmt(s.boundTps)} tps = ${s.boundRatio} ×** the ceiling`;
  return [
    `| the machine's CPU per load send while the sustained load ran (${cores} cores shared) | anvil ${us(s.anvilUsPerTx)} (${us(ceilingAnvilUsPerTx)} over the ceiling run), proxy ${us(s.proxyUsPerTx)}, worker (all of \`wrangler dev\`) ${us(s.workerUsPerTx)}: every core busy at ${bound}; the machine was ${busy(s.machineBusyShare)} busy | — | — |`,
    ...(u ? [`| the same, over the burst's window (first send to last answer) | anvil ${us(u.anvilUsPerTx)}, worker ${us(u.workerUsPerTx)}; the machine ${busy(u.machineBusyShare)} busy | — | — |`] : []),
  ];
}

function benchTable(b: BenchResults): string[] {
  const { ceiling: c, sustained: s, burst: u, signing: g, targets: t, met } = b;
  const yes = (ok: boolean) => (ok ? "yes" : "**no**");
  const onChain = (r: BenchRun) =>
    `${r.status}: ${fmt(r.txSent)} sent, ${fmt(r.txConfirmed)} confirmed, ${fmt(r.includedOnChain ?? 0)} on chain, ${r.poolLeftovers ?? "?"} left in the pool, ${r.accountsWithGaps ?? "?"} accounts with gaps`;
  return [
    "| figure | measured | target | met |",
    "|---|---|---|---|",
    `| ceiling: ${fmt(c.sends)} pre-signed transfers from ${c.accounts} accounts, batches of ${c.batchSize} over ${c.connections} connections | **${fmt(c.acceptedTps)} tps** accepted (over ${fmt(Math.round(c.windowMs))} ms) | the baseline | — |`,
    `| sustained: the worker at ${fmt(s.targetTps)} tps for ${s.durationSec} s over ${s.accounts} account objects | **${fmt(s.acceptedTps)} tps** accepted within the ${s.durationSec} s = **${s.ratio} ×** the ceiling | ≥ ${t.sustainedRatio} × | ${yes(met.sustainedRatio)} |`,
    `| burst: ${fmt(u.burstCount)} pre-signed over ${u.accounts} account objects | **${fmt(u.acceptedTps)} tps** accepted (${fmt(u.sends)} over ${fmt(Math.round(u.windowMs))} ms; they reached the proxy within ${fmt(Math.round(u.arrivalSpanMs))} ms) = **${u.ratio} ×** the ceiling | ≥ ${t.burstRatio} × | ${yes(met.burstRatio)} |`,
    ...(s.acceptedPerSecond ? [`| sustained, accepted per second from the first send | ${s.acceptedPerSecond.map(fmt).join(" · ")} | — | — |`] : []),
    `| tail: last load send after the sustained run's ${s.durationSec} s | ${s.tailAfterDurationMs === null ? "—" : `${fmt(s.tailAfterDurationMs)} ms`} | ≤ ${fmt(t.tailMs)} ms | ${yes(met.tailMs)} |`,
    `| status route under that overload (${fmt(s.statusPolls)} polls in flight, one after another every ${s.statusPollMs} ms) | p50 ${fmt(s.statusP50Ms)} ms · p99 **${fmt(s.statusP99Ms)} ms** · max ${fmt(s.statusMaxMs)} ms · ${s.statusTimeouts} timed out | p99 < ${fmt(t.statusP99Ms)} ms | ${yes(met.statusP99Ms)} |`,
    `| status route during the burst run (signing ahead, then sending) | p99 ${fmt(u.statusP99Ms)} ms · max ${fmt(u.statusMaxMs)} ms · ${u.statusTimeouts} timed out (30 s) | — | — |`,
    `| signatures per second inside workerd | WASM ${fmt(g.wasmPerSec)}/s, viem ${fmt(g.viemPerSec)}/s: **${g.wasmOverViem} ×** (viem in Node ${fmt(g.nodeViemPerSec)}/s) | ≥ ${t.signRatio} × | ${yes(met.signRatio)} |`,
    `| CPU per transaction | worker runtime ${s.cpuUsPerTx === null ? "—" : `**${fmt(s.cpuUsPerTx)} µs**`} (sustained run, first send to verified); Node ceiling sender ${fmt(c.senderCpuUsPerTx)} µs | — | — |`,
    ...(b.cpuBudget ? cpuBudgetRows(b.cpuBudget) : []),
    `| verified on chain | sustained ${onChain(s)}; burst ${onChain(u)} | every run | ${yes(met.verified)} |`,
    `| the proxy's cost | ${c.proxyCpuUsPerSend ?? "—"} µs CPU per send; ${c.proxyAddedMsPerRequest ?? "—"} ms added to a ceiling request${c.directSenderTps === null ? "" : `; the ceiling sender timed itself at ${fmt(c.directSenderTps)} tps straight at anvil, ${fmt(c.proxiedSenderTps)} tps through the proxy`} | — | — |`,
  ];
}

interface SoakResults {
  targetTps: number;
  durationSec: number;
  accounts: number;
  txLogMaxTps?: number;
  txLogEvery?: number;
  status: string;
  verified: boolean;
  txSent: number;
  txConfirmed: number;
  averageTps: number;
  confirmLatencyP50Ms: number;
  confirmLatencyP99Ms: number;
  memory: { warmMb: number; endMb: number; growthMb: number; peakMb: number; flat: boolean };
}

function soakTable(s: SoakResults): string[] {
  const m = s.memory;
  return [
    "| figure | value |",
    "|---|---|",
    `| load | ${fmt(s.targetTps)} tps for ${s.durationSec} s over ${s.accounts} account objects${s.txLogEvery ? `; one confirmed transaction in ${s.txLogEvery} logged to D1 (TX_LOG_MAX_TPS ${fmt(s.txLogMaxTps ?? 0)})` : ""} |`,
    `| outcome | ${s.status}, ${s.verified ? "verified on chain" : "NOT verified"}: ${fmt(s.txSent)} sent, ${fmt(s.txConfirmed)} confirmed, average ${fmt(s.averageTps)} tps |`,
    `| confirm latency | p50 ${s.confirmLatencyP50Ms} ms · p99 ${s.confirmLatencyP99Ms} ms |`,
    `| worker runtime resident memory | ${m.warmMb} MiB after warm-up (second fifth), ${m.endMb} MiB in the last fifth (${m.growthMb >= 0 ? "+" : ""}${m.growthMb} MiB), peak ${m.peakMb} MiB: **${m.flat ? "flat" : "growing"}** |`,
  ];
}


function workloadTable(results: { figures: WorkloadFigure[] }): string[] {
  const gasOf = (f: WorkloadFigure) =>
    Object.entries(f.byType)
      .map(([type, t]) => (Object.keys(f.byType).length > 1 ? `${type} ${t.avgGasUsed === null ? "21,000" : fmt(t.avgGasUsed)}` : t.avgGasUsed === null ? "21,000" : fmt(t.avgGasUsed)))
      .join(", ");
  return [
    "| run | rate × duration, accounts | confirmed / sent | reverted | discarded | average tps | confirm p50 | gas per transaction | verified |",
    "|---|---|---|---|---|---|---|---|---|",
    ...results.figures.map((f) =>
      `| ${[
        f.label,
        `${f.targetTps} tps × ${f.durationSec} s, ${f.accounts} accounts`,
        `${fmt(f.txConfirmed)} / ${fmt(f.txSent)}`,
        Object.values(f.byType).reduce((sum, t) => sum + t.reverted, 0),
        f.txSent - f.txConfirmed - f.txFailed,
        fmt(f.averageTps),
        `${fmt(f.confirmP50Ms)} ms`,
        gasOf(f),
        f.verified ? "yes" : "**no**",
      ].join(" | ")} |`,
    ),
  ];
}

interface ScaleResults {
  measuredAt: string;
  accounts: number;
  targetTps: number;
  durationSec: number;
  status: string;
  verified: boolean;
  error: string | null;
  lastPhase: string | null;
  initialize: { totalMs: number | null; coordinatorPhasesMs: Record<string, number> | null };
  achieved: { txSent: number; txConfirmed: number; txFailed: number; txDiscarded: number; sentPerSec: number; sendLatencyP50Ms: number; confirmLatencyP50Ms: number; stopSequenceMs: number | null } | null;
  verification: { includedOnChain?: number; accountsChecked?: number } | null;
  coordinatorTick: { durationMs: { p50: number; p99: number; count: number }; intervalMs: { p50: number; p99: number } } | null;
  memory: { peakWorkerMb: number | null };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function scaleTable(r: ScaleResults): string[] {
  const a = r.achieved;
  const phases = Object.entries(r.initialize.coordinatorPhasesMs ?? {}).map(([phase, ms]) => `${phase.replace(/_/g, " ")} ${seconds(ms)}`);
  const tick = r.coordinatorTick;
  return [
    "| figure | value |",
    "|---|---|",
    `| run | ${fmt(r.targetTps)} tps for ${r.durationSec} s over **${fmt(r.accounts)} account objects**, measured ${r.measuredAt.slice(0, 10)} |`,
    `| outcome | **${r.status}**, ${r.verified ? "**verified** on chain" : `NOT verified${r.error ? ` (${r.error}; last phase ${r.lastPhase})` : ""}`}${r.verification?.accountsChecked ? ` (${fmt(r.verification.includedOnChain ?? 0)} transactions, ${fmt(r.verification.accountsChecked)} senders checked)` : ""} |`,
    `| time to initialize | **${r.initialize.totalMs === null ? "—" : seconds(r.initialize.totalMs)}** from the start request: ${phases.join(", ")} |`,
    ...(a
      ? [
          `| achieved rate | **${fmt(a.sentPerSec)} tps** sent and confirmed (${fmt(a.txSent)} sent, ${fmt(a.txConfirmed)} confirmed, ${a.txFailed} failed, ${a.txDiscarded} discarded) |`,
          `| latency | send p50 ${fmt(a.sendLatencyP50Ms)} ms · confirm p50 ${fmt(a.confirmLatencyP50Ms)} ms |`,
          `| stop sequence | ${a.stopSequenceMs === null ? "—" : seconds(a.stopSequenceMs)} (settle ${fmt(r.accounts)} objects, verify) |`,
        ]
      : []),
    ...(tick ? [`| coordinator tick | duration p50 ${fmt(tick.durationMs.p50)} ms, p99 ${fmt(tick.durationMs.p99)} ms; interval p50 ${fmt(tick.intervalMs.p50)} ms (${tick.durationMs.count} ticks; the plan's tick is 200 ms) |`] : []),
    `| memory | worker runtime peak ${r.memory.peakWorkerMb ?? "—"} MiB (every object in one process) |`,
  ];
}

interface TrackerCost {
  usPerTx: number;
  txPerSecPerCore: number;
  txPerResult: number;
  node: string;
  /** Absent in files written before it was measured. */
  storedBytesPerTx?: number;
}

function trackerCostTable(t: TrackerCost): string[] {
  return [
    "| figure | value |",
    "|---|---|",
    `| tracker CPU per transaction (${t.txPerResult} per result, Node ${t.node}) | **${t.usPerTx} µs** (${fmt(t.txPerSecPerCore)} tx/s for a core doing nothing else) |`,
    ...(t.storedBytesPerTx === undefined ? [] : [`| checkpoint bytes per transaction (pages, overlays, gone lists, watermarks) | ${t.storedBytesPerTx} |`]),
  ];
}

const sections: Array<[name: string, file: string, render: (data: any) => string[], doc?: string]> = [
  ["fault-table", "bench/fault-scenarios.json", faultTable],
  ["bench-table", "bench/results.json", benchTable],
  ["soak-table", "bench/soak-results.json", soakTable],
  ["workload-table", "bench/workload-results.json", workloadTable],
  ["scale-table", "bench/scale-results.json", scaleTable, "docs/CAPACITY.md"],
  ["tracker-cost-table", "bench/tracker-cost.json", trackerCostTable, "docs/CAPACITY.md"],
];

const docs = new Map<string, string>();
for (const [name, file, render, doc = "README.md"] of sections) {
  let text = docs.get(doc) ?? readFileSync(doc, "utf8");
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < 0) throw new Error(`${doc} has no ${name} markers`);
  if (!existsSync(file)) {
    console.log(`${file} not found: ${name} left as it is`);
    continue;
  }
  const table = [start, ...render(JSON.parse(readFileSync(file, "utf8"))), end].join("\n");
  text = text.slice(0, from) + table + text.slice(to + end.length);
  docs.set(doc, text);
  console.log(table);
}
for (const [doc, text] of docs) writeFileSync(doc, text);
