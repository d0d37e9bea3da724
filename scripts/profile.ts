/**
 * `npm run profile`: a CPU profile of the worker under overload. Starts anvil and the worker as
 * `wrangler deploy` bundles it (scripts/lib/profiled-worker.ts: Miniflare, workerd's inspector
 * open), runs a constant-rate run far above what the machine can send, samples the worker's
 * isolate (the Hono worker, the coordinator and every account object share it locally) for a few
 * seconds of steady sending, and prints where the time went, mapped back to the sources: by file
 * and by function, self and inclusive.
 *
 * The samples are of the isolate's thread while it holds the CPU or waits for it: on a machine
 * whose other cores run the chain, shares are of the thread's time, not of one idle core.
 *
 * Options: --target (tps, default 20000), --accounts (200), --duration (15 s), --sample (6 s),
 * --delay (2 s after the run starts running), --signer (wasm|viem), --out FILE (keep the
 * .cpuprofile, for Chrome DevTools).
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { startAnvil } from "./lib/anvil";
import { getJson, startRun } from "./lib/client";
import { printSummary, summarizeProfile, type CpuProfile } from "./lib/cpu-profile";
import { devtoolsSession } from "./lib/devtools-session";
import { startProfiledWorker } from "./lib/profiled-worker";

const { values } = parseArgs({
  options: {
    target: { type: "string", default: "20000" },
    accounts: { type: "string", default: "200" },
    duration: { type: "string", default: "15" },
    sample: { type: "string", default: "6" },
    /** Seconds after the run starts running before sampling starts (0: its first seconds). */
    delay: { type: "string", default: "2" },
    signer: { type: "string", default: "wasm" },
    out: { type: "string" },
  },
});

const anvil = await startAnvil({ blockTimeSec: 1, args: ["--gas-limit", "3000000000"] });
const dev = await startProfiledWorker({ BUILDER_RPC_URL: anvil.url, L2_RPC_URL: anvil.url, EXECUTION_LAYER: "anvil", SIGNER: values.signer! });
try {
  const runId = await startRun(dev.url, {
    pattern: "constant",
    durationSec: Number(values.duration),
    constantRate: Number(values.target),
    numAccounts: Number(values.accounts),
    transactionType: "eth-transfer",
    name: "profile",
  });
  for (;;) {
    const m = await getJson(`${dev.url}/v1/status`);
    if (m.status === "running") break;
    await new Promise((r) => setTimeout(r, 200));
  }
  await new Promise((r) => setTimeout(r, Number(values.delay) * 1000));
  const before = await getJson(`${dev.url}/v1/status`);
  const session = await devtoolsSession(dev.inspectorUrl);
  await session.send("Profiler.enable");
  await session.send("Profiler.setSamplingInterval", { interval: 500 });
  await session.send("Profiler.start");
  await new Promise((r) => setTimeout(r, Number(values.sample) * 1000));
  const { profile } = await session.send<{ profile: CpuProfile }>("Profiler.stop");
  session.close();
  const after = await getJson(`${dev.url}/v1/status`);
  if (values.out) writeFileSync(values.out, JSON.stringify(profile));
  printSummary(summarizeProfile(profile, dev.sourceMap));
  const sent = after.txSent - before.txSent;
  console.log(`\nrun ${runId}: ${after.status}; around the sample, ${sent} sent (${Math.round(sent / Number(values.sample))} tps); in all, sent ${after.txSent}, confirmed ${after.txConfirmed}`);
} finally {
  await dev.stop();
  await anvil.stop();
}
