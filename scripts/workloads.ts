/**
 * `npm run workloads`: one run per transaction type (and per pattern) through `wrangler dev` against
 * an embedded anvil, the figures the README's workload tables are rendered from. Writes
 * `bench/workload-results.json`; exits 0 only if every run completed and verified.
 *
 *   npm run workloads -- --rate 100 --duration 10 --accounts 20
 *   npm run workloads -- --only uniswap-swap,set-code
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { TRANSACTION_TYPES } from "../src/tx/types";
import { followRun, startRun } from "./lib/client";
import { demoRequest } from "./lib/demo-request";
import { startLocalStack } from "./lib/local-stack";
import { runVerified } from "./lib/report";
import type { WorkloadFigure } from "./lib/workload-figure";

const { values } = parseArgs({
  options: {
    rate: { type: "string", default: "100" },
    duration: { type: "string", default: "10" },
    accounts: { type: "string", default: "20" },
    only: { type: "string" },
    patterns: { type: "string", default: "realistic" },
  },
});
const rate = Number(values.rate);
const duration = Number(values.duration);
const accounts = Number(values.accounts);
const only = values.only?.split(",");


const runs: Array<{ label: string; request: Record<string, unknown> }> = [
  ...TRANSACTION_TYPES.map((type) => ({ label: type, request: demoRequest({ rate, duration, accounts, type, pattern: "constant" }) })),
  ...values.patterns.split(",").filter(Boolean).map((pattern) => ({ label: `pattern ${pattern}`, request: demoRequest({ rate, duration, accounts, type: "eth-transfer", pattern }) })),
].filter((r) => !only || only.some((o) => r.label.includes(o)));

console.log("starting anvil and wrangler dev…");
const stack = await startLocalStack();
const figures: WorkloadFigure[] = [];
let ok = true;
try {
  for (const { label, request } of runs) {
    const runId = await startRun(stack.apiUrl, request);
    const m = await followRun(stack.apiUrl, runId);
    const verified = runVerified(m);
    ok &&= verified;
    figures.push({
      label,
      pattern: m.pattern ?? "",
      type: m.transactionType ?? "",
      targetTps: rate,
      durationSec: duration,
      accounts: m.accountsActive,
      status: m.status,
      verified,
      txSent: m.txSent,
      txConfirmed: m.txConfirmed,
      txFailed: m.txFailed,
      averageTps: m.averageTps,
      confirmP50Ms: Math.round(m.confirmLatency.p50),
      byType: m.byType,
    });
    const gas = Object.values(m.byType).map((t) => t.avgGasUsed ?? "-").join("/");
    console.log(`${label.padEnd(28)} ${m.status} ${verified ? "verified" : "NOT VERIFIED"}: ${m.txConfirmed}/${m.txSent} confirmed, ${m.averageTps} tps, gas ${gas}${m.error ? ` — ${m.error}` : ""}`);
  }
} finally {
  await stack.stop();
}
// Rows of runs not repeated this time (`--only`) are kept; the others are replaced.
mkdirSync("bench", { recursive: true });
const FILE = "bench/workload-results.json";
const earlier: WorkloadFigure[] = existsSync(FILE) ? (JSON.parse(readFileSync(FILE, "utf8")) as { figures: WorkloadFigure[] }).figures : [];
const merged = [...earlier.filter((e) => !figures.some((f) => f.label === e.label)), ...figures];
writeFileSync(FILE, `${JSON.stringify({ measuredAt: new Date().toISOString(), figures: merged }, null, 2)}\n`);
console.log("wrote bench/workload-results.json");
process.exit(ok ? 0 : 1);
