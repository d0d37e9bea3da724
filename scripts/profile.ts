/**
 * `npm run profile`: a CPU profile of the worker under overload. Starts anvil and `wrangler dev`
 * with its inspector, runs a constant-rate run far above what the machine can send, samples the
 * worker's isolate (the Hono worker, the coordinator and every account object share it locally)
 * for a few seconds of steady sending, and prints where the time went: by function and by file.
 *
 * Options: --target (tps, default 20000), --accounts (200), --duration (15 s), --sample (6 s),
 * --delay (2 s after the run starts running), --signer (wasm|viem).
 */
import { parseArgs } from "node:util";
import WebSocket from "ws";
import { startAnvil } from "./lib/anvil";
import { getJson, startRun } from "./lib/client";
import { freePort } from "./lib/processes";
import { startWranglerDev } from "./lib/wrangler-dev";

const { values } = parseArgs({
  options: {
    target: { type: "string", default: "20000" },
    accounts: { type: "string", default: "200" },
    duration: { type: "string", default: "15" },
    sample: { type: "string", default: "6" },
    /** Seconds after the run starts running before sampling starts (0: its first seconds). */
    delay: { type: "string", default: "2" },
    signer: { type: "string", default: "wasm" },
  },
});

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

/** A minimal Chrome DevTools Protocol session over the inspector's WebSocket. */
async function inspector(url: string) {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  let id = 0;
  const waiting = new Map<number, (result: unknown) => void>();
  ws.on("message", (data) => {
    const message = JSON.parse(String(data)) as { id?: number; result?: unknown };
    if (message.id !== undefined) waiting.get(message.id)?.(message.result);
  });
  const send = <T>(method: string, params: Record<string, unknown> = {}) =>
    new Promise<T>((resolve) => {
      id += 1;
      waiting.set(id, resolve as (r: unknown) => void);
      ws.send(JSON.stringify({ id, method, params }));
    });
  return { send, close: () => ws.close() };
}

const shortUrl = (url: string) => url.replace(/^.*?\/(src|node_modules)\//, "$1/") || "(native)";

/** For the functions with the most self time, which callers it came through: native frames name no file. */
function callersOf(nodes: ProfileNode[], names: string[]): void {
  const parent = new Map<number, ProfileNode>();
  for (const n of nodes) for (const c of n.children ?? []) parent.set(c, n);
  for (const name of names) {
    const byCaller = new Map<string, number>();
    let total = 0;
    for (const n of nodes) {
      if (n.callFrame.functionName !== name || !n.hitCount) continue;
      total += n.hitCount;
      const p = parent.get(n.id);
      const caller = p ? `${p.callFrame.functionName || "(anonymous)"}  ${shortUrl(p.callFrame.url)}:${p.callFrame.lineNumber + 1}` : "(root)";
      byCaller.set(caller, (byCaller.get(caller) ?? 0) + n.hitCount);
    }
    if (total === 0) continue;
    console.log(`\n${name}: called from`);
    for (const [caller, hits] of [...byCaller].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`${((100 * hits) / total).toFixed(1).padStart(6)} %  ${caller}`);
  }
}

function summarize(nodes: ProfileNode[], top = 35): void {
  const total = nodes.reduce((sum, n) => sum + (n.hitCount ?? 0), 0);
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  for (const n of nodes) {
    const hits = n.hitCount ?? 0;
    if (hits === 0) continue;
    const file = shortUrl(n.callFrame.url);
    const fn = `${n.callFrame.functionName || "(anonymous)"}  ${file}:${n.callFrame.lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + hits);
    const module = file.startsWith("node_modules/") ? file.split("/").slice(0, file.includes("/@") ? 3 : 2).join("/") : file;
    byFile.set(module, (byFile.get(module) ?? 0) + hits);
  }
  const print = (title: string, map: Map<string, number>) => {
    console.log(`\n${title} (self time, ${total} samples)`);
    for (const [name, hits] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${((100 * hits) / total).toFixed(1).padStart(6)} %  ${name}`);
  };
  print("by file", byFile);
  print("by function", byFunction);
  callersOf(nodes, ["exec", "(garbage collector)"]);
}

const anvil = await startAnvil({ blockTimeSec: 1, args: ["--gas-limit", "3000000000"] });
const inspectorPort = await freePort();
const dev = await startWranglerDev({ rpcUrl: anvil.url, vars: { SIGNER: values.signer! }, wranglerDevArgs: ["--inspector-port", String(inspectorPort)] });
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
  const session = await inspector(`ws://127.0.0.1:${inspectorPort}/ws`);
  await session.send("Profiler.enable");
  await session.send("Profiler.setSamplingInterval", { interval: 500 });
  await session.send("Profiler.start");
  await new Promise((r) => setTimeout(r, Number(values.sample) * 1000));
  const { profile } = await session.send<{ profile: { nodes: ProfileNode[] } }>("Profiler.stop");
  session.close();
  summarize(profile.nodes);
  const m = await getJson(`${dev.url}/v1/status`);
  console.log(`\nrun ${runId}: ${m.status}, sent ${m.txSent}, confirmed ${m.txConfirmed}, send p50 ${m.sendLatency?.p50} ms, elapsed ${m.elapsedSec ?? "?"} s`);
} finally {
  await dev.stop();
  await anvil.stop();
}
