/**
 * `npm run soak`: a long run at a high rate, to show that memory does not grow with the number of
 * transactions (PRODUCT.md §13). Starts anvil and `wrangler dev`, runs a constant rate (1,000 tps
 * for 600 s by default), samples the resident memory of the runtime that runs the worker and every
 * Durable Object every few seconds (wrangler's own proxy process is reported apart: it is not the
 * product's), and judges the run: completed, verified on chain, memory after warm-up flat. Writes bench/soak-results.json
 * (rendered into the README by `npm run figures`). Exits 0 only if all three hold.
 *
 *   npm run soak -- --rate 1000 --duration 600 --accounts 0 --tx-log-max-tps 1000
 *
 * `--accounts 0` sizes the sender pool as a run would (PRODUCT.md §7); `--tx-log-max-tps` is the
 * worker's TX_LOG_MAX_TPS (above it, one confirmed transaction in N is logged to D1).
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { startAnvil } from "./lib/anvil";
import { followRun, startRun } from "./lib/client";
import { startLocalStack } from "./lib/local-stack";
import { wranglerDevMemory } from "./lib/process-memory";
import { progressLine, runVerified, summaryTable } from "./lib/report";

const { values } = parseArgs({
  options: {
    rate: { type: "string", default: "1000" },
    duration: { type: "string", default: "600" },
    accounts: { type: "string", default: "0" },
    sample: { type: "string", default: "10" },
    "tx-log-max-tps": { type: "string", default: "1000" },
  },
});
const rate = Number(values.rate);
const durationSec = Number(values.duration);
const sampleMs = Number(values.sample) * 1000;

/** Memory after warm-up is flat when the last fifth's median is within this of the second fifth's. */
const FLAT_TOLERANCE_MB = 64;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

// Block space far above the rate: the node's ingest, not gas, must not be what limits the run.
const anvil = await startAnvil({ blockTimeSec: 1, args: ["--gas-limit", "3000000000"] });
const stack = await startLocalStack({ rpcUrl: anvil.url, vars: { TX_LOG_MAX_TPS: values["tx-log-max-tps"]! } });
let exitCode = 1;
try {
  const pgid = stack.dev.child.pid!;
  const samples: Array<{ t: number; txSent: number; txConfirmed: number; txPending: number; rssMb: number; allWorkerdMb: number }> = [];
  const runId = await startRun(stack.apiUrl, { pattern: "constant", durationSec, constantRate: rate, numAccounts: Number(values.accounts), name: "soak" });
  console.log(`soak ${runId}: ${rate} tps for ${durationSec} s; memory of the worker's runtime every ${values.sample} s`);
  let lastSample = 0;
  const final = await followRun(stack.apiUrl, runId, (m) => {
    const now = Date.now();
    if (m.status !== "running" || now - lastSample < sampleMs) return;
    lastSample = now;
    const memory = wranglerDevMemory(pgid);
    const sample = { t: Math.round(m.elapsedMs / 1000), txSent: m.txSent, txConfirmed: m.txConfirmed, txPending: m.txPending, rssMb: memory.workerMb, allWorkerdMb: memory.totalMb };
    samples.push(sample);
    console.log(`${progressLine(m)} worker rss=${sample.rssMb} MiB (all workerd ${sample.allWorkerdMb} MiB)`);
  }, 1000);
  console.log(summaryTable(final));

  const fifth = (k: number) => samples.filter((s) => s.t >= (durationSec * k) / 5 && s.t < (durationSec * (k + 1)) / 5).map((s) => s.rssMb);
  const warmMb = median(fifth(1));
  const endMb = median(fifth(4));
  const flat = samples.length >= 5 && endMb - warmMb <= FLAT_TOLERANCE_MB;
  const results = {
    measuredAt: new Date().toISOString(),
    targetTps: rate,
    durationSec,
    accounts: final.accountsActive,
    txLogMaxTps: Number(values["tx-log-max-tps"]),
    txLogEvery: final.txLogEvery,
    status: final.status,
    verified: runVerified(final),
    txSent: final.txSent,
    txConfirmed: final.txConfirmed,
    txFailed: final.txFailed,
    txDiscarded: final.txDiscarded,
    averageTps: final.averageTps,
    confirmLatencyP50Ms: final.confirmLatency.p50,
    confirmLatencyP99Ms: final.confirmLatency.p99,
    memory: { warmMb, endMb, growthMb: endMb - warmMb, toleranceMb: FLAT_TOLERANCE_MB, flat, peakMb: Math.max(...samples.map((s) => s.rssMb)) },
    samples,
  };
  writeFileSync("bench/soak-results.json", JSON.stringify(results, null, 2) + "\n");
  console.log(`memory: ${warmMb} MiB after warm-up, ${endMb} MiB at the end (${flat ? "flat" : "GROWING"}); results in bench/soak-results.json`);
  exitCode = runVerified(final) && flat ? 0 : 1;
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  console.error(stack.dev.output().slice(-3000));
} finally {
  await stack.stop();
  await anvil.stop();
}
process.exit(exitCode);
