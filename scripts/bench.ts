/**
 * `npm run bench`: throughput as ratios against baselines measured in the same run, on one anvil.
 *
 *   ceiling   a minimal Node sender blasting pre-signed transactions as JSON-RPC batches
 *   loadgen   the worker (wrangler dev) at a target far above what it can reach, verified on chain
 *   signing   signatures per second inside workerd vs the same code in Node
 *
 * Writes bench/results.json and prints it. Options: --accounts, --duration, --target, --ceiling-per-account.
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { measureCeiling } from "../bench/ceiling-sender";
import { signMany } from "../bench/sign-worker";
import { startAnvil } from "./lib/anvil";
import { followRun, startRun } from "./lib/client";
import { startLocalStack } from "./lib/local-stack";
import { progressLine } from "./lib/report";
import { startWrangler } from "./lib/wrangler-dev";

const { values } = parseArgs({
  options: {
    accounts: { type: "string", default: "200" },
    duration: { type: "string", default: "15" },
    target: { type: "string", default: "20000" },
    "ceiling-per-account": { type: "string", default: "100" },
    signatures: { type: "string", default: "2000" },
  },
});
const accounts = Number(values.accounts);
const round = (v: number) => Math.round(v * 100) / 100;

// A block gas limit far above the load, so the node's ingest, not block space, is the ceiling.
const anvil = await startAnvil({ blockTimeSec: 1, args: ["--gas-limit", "3000000000"] });
try {
  console.log(`anvil ${anvil.url}`);
  console.log("(a) ceiling: pre-signed batches from Node…");
  const ceiling = await measureCeiling(anvil.url, accounts, Number(values["ceiling-per-account"]));
  console.log(`    ${JSON.stringify(ceiling)}`);

  console.log(`(b) loadgen: worker at ${values.target} tps for ${values.duration} s over ${accounts} accounts…`);
  const stack = await startLocalStack({ rpcUrl: anvil.url });
  let loadgen;
  try {
    const runId = await startRun(stack.apiUrl, {
      pattern: "constant",
      durationSec: Number(values.duration),
      constantRate: Number(values.target),
      numAccounts: accounts,
      transactionType: "eth-transfer",
      name: "bench",
    });
    loadgen = await followRun(stack.apiUrl, runId, (m) => console.log(`    ${progressLine(m)}`), 2000);
  } catch (err) {
    console.error(stack.dev.output().slice(-5000));
    throw err;
  } finally {
    await stack.stop();
  }
  const sendingSec = Number(values.duration);
  const loadgenTps = round(loadgen.txConfirmed / sendingSec);

  console.log("(c) signing: workerd vs Node…");
  const n = Number(values.signatures);
  const signer = await startWrangler(["--config", "bench/wrangler.sign.toml"], "/?n=1");
  let signPerSec: number;
  try {
    const timed = async (count: number) => {
      const started = performance.now();
      await (await fetch(`${signer.url}/?n=${count}`)).json();
      return performance.now() - started;
    };
    await timed(n); // warm-up: JIT and key derivation
    const empty = Math.min(await timed(0), await timed(0), await timed(0));
    const full = Math.min(await timed(n), await timed(n), await timed(n));
    signPerSec = round((n * 1000) / (full - empty));
  } finally {
    await signer.stop();
  }
  await signMany(n);
  const nodeStarted = performance.now();
  await signMany(n);
  const nodeSignPerSec = round((n * 1000) / (performance.now() - nodeStarted));

  const results = {
    measuredAt: new Date().toISOString(),
    ceilingTps: ceiling.acceptedTps,
    loadgenTps,
    ratio: round(loadgenTps / ceiling.acceptedTps),
    signPerSec,
    nodeSignPerSec,
    signRatio: round(signPerSec / nodeSignPerSec),
    ceilingIncludedTps: ceiling.includedTps,
    loadgen: {
      targetTps: Number(values.target),
      durationSec: sendingSec,
      accounts,
      txSent: loadgen.txSent,
      txConfirmed: loadgen.txConfirmed,
      txFailed: loadgen.txFailed,
      txDiscarded: loadgen.txDiscarded,
      status: loadgen.status,
      verified: (loadgen.verification as { verified?: boolean } | null)?.verified ?? false,
      sendLatencyP50Ms: loadgen.sendLatency.p50,
      sendLatencyP99Ms: loadgen.sendLatency.p99,
      confirmLatencyP50Ms: loadgen.confirmLatency.p50,
    },
    ceiling,
  };
  writeFileSync("bench/results.json", JSON.stringify(results, null, 2) + "\n");
  console.log(JSON.stringify(results, null, 2));
} finally {
  await anvil.stop();
}
