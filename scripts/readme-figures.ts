/**
 * `npm run figures`: renders the README's tables of measured figures from the results files that
 * measured runs wrote — no figure is typed by hand:
 *
 *   bench/fault-scenarios.json  written by the fault-scenario suite of `npm test`
 *   bench/results.json          written by `npm run bench`
 *   bench/soak-results.json     written by `npm run soak`
 *   bench/workload-results.json written by `npm run workloads`
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

interface BenchResults {
  ceilingTps: number;
  loadgenTps: number;
  ratio: number;
  signPerSec: number;
  nodeSignPerSec: number;
  signRatio: number;
  loadgen: { targetTps: number; durationSec: number; accounts: number; txSent: number; txConfirmed: number; txFailed: number; txDiscarded: number; verified: boolean };
  ceiling: { accounts: number; transactions: number };
}

function benchTable(b: BenchResults): string[] {
  const l = b.loadgen;
  return [
    "| figure | value |",
    "|---|---|",
    `| ceiling: minimal Node sender, ${fmt(b.ceiling.transactions)} pre-signed transfers from ${b.ceiling.accounts} accounts | **${fmt(b.ceilingTps)} tps** accepted |`,
    `| loadgen: the worker at a target of ${fmt(l.targetTps)} tps for ${l.durationSec} s over ${l.accounts} account objects | **${fmt(b.loadgenTps)} tps** (${fmt(l.txSent)} sent, ${fmt(l.txConfirmed)} confirmed, ${l.txFailed} failed, ${l.txDiscarded} discarded, ${l.verified ? "verified on chain" : "NOT verified"}) |`,
    `| ratio loadgen / ceiling | **${b.ratio}** (goal 0.9: ${b.ratio >= 0.9 ? "met" : "not met"}) |`,
    `| signatures per second inside workerd, product signing path | ${fmt(b.signPerSec)}/s (${b.signRatio} × the same code in Node, ${fmt(b.nodeSignPerSec)}/s) |`,
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

const sections: Array<[name: string, file: string, render: (data: any) => string[]]> = [
  ["fault-table", "bench/fault-scenarios.json", faultTable],
  ["bench-table", "bench/results.json", benchTable],
  ["soak-table", "bench/soak-results.json", soakTable],
  ["workload-table", "bench/workload-results.json", workloadTable],
];

let readme = readFileSync("README.md", "utf8");
for (const [name, file, render] of sections) {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from < 0 || to < 0) throw new Error(`README.md has no ${name} markers`);
  if (!existsSync(file)) {
    console.log(`${file} not found: ${name} left as it is`);
    continue;
  }
  const table = [start, ...render(JSON.parse(readFileSync(file, "utf8"))), end].join("\n");
  readme = readme.slice(0, from) + table + readme.slice(to + end.length);
  console.log(table);
}
writeFileSync("README.md", readme);
