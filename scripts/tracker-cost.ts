/**
 * `npm run tracker-cost`: the coordinator's own CPU per transaction, without any Durable Object
 * around it: the run tracker folding account results (4 transactions per result, as a 10k TPS run
 * over 500 objects sends them), matching them in blocks, looking for stuck ones five ticks a block,
 * and handing out its checkpoint changes, serialized as the coordinator's storage writes them.
 * In Node (V8, as workerd): the part of the coordinator's tick that grows with TPS, apart from the
 * RPC calls and SQLite writes it also makes. Writes bench/tracker-cost.json.
 */
import { writeFileSync } from "node:fs";
import { emptyBurst } from "../src/account/send-burst";
import { emptySketch, recordLatency } from "../src/metrics/latency-sketch";
import { RunTracker } from "../src/run/tracker";

const TX = 200_000;
const PER_RESULT = 4;
const ACCOUNTS = 500;
const TX_PER_BLOCK = 2_000;
const TICKS_PER_BLOCK = 5;
const hash = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;
const address = (a: number) => `0x${a.toString(16).padStart(40, "0")}`;

function run(): { usPerTx: number; liveRecords: number; storedBytesPerTx: number } {
  const tracker = new RunTracker(0, 0);
  const nonces = new Array<number>(ACCOUNTS).fill(0);
  const sketch = emptySketch();
  recordLatency(sketch, 50, PER_RESULT);
  let n = 0;
  let block = 1;
  let minedUpTo = 0;
  let storedBytes = 0;
  const started = performance.now();
  while (n < TX) {
    // One tick's worth of results: TX_PER_BLOCK transactions from ACCOUNTS objects, PER_RESULT each.
    for (let sent = 0; sent < TX_PER_BLOCK; sent += PER_RESULT) {
      const a = (n / PER_RESULT) % ACCOUNTS;
      const result = { ...emptyBurst(address(a)), sendLatency: sketch, sent: [] as Array<{ hash: string; nonce: number; sentAt: number }> };
      // One call's transactions share its send time, as an account object reports them.
      const sentAt = n;
      for (let k = 0; k < PER_RESULT; k++) result.sent.push({ hash: hash(++n), nonce: nonces[a]++, sentAt });
      tracker.recordBurst(result, "weur");
    }
    // The previous tick's transactions are mined now.
    const transactions: string[] = [];
    for (let k = minedUpTo + 1; k <= n - TX_PER_BLOCK; k++) transactions.push(hash(k));
    minedUpTo = Math.max(minedUpTo, n - TX_PER_BLOCK);
    tracker.recordBlock({ number: block++, timestamp: block, gasUsed: 21_000n * BigInt(transactions.length), gasLimit: 30_000_000n, baseFeePerGas: 1n, transactions }, n + 1_000);
    // The tick's own look at what is in flight: five ticks a block, nothing stuck yet.
    for (let tick = 0; tick < TICKS_PER_BLOCK; tick++) tracker.takeStuck(n, block, 60_000, 5, 2);
    // What the checkpoint writes: every part of the changes as JSON (run-store.ts).
    const changes = tracker.takeChanges();
    storedBytes += JSON.stringify(changes.pages).length + JSON.stringify(changes.put).length + JSON.stringify(changes.gone).length + JSON.stringify(changes.watermarks).length;
    tracker.takeLogs();
    tracker.snapshot();
  }
  const usPerTx = ((performance.now() - started) * 1000) / TX;
  // It measured what it says: every transaction counted sent, all but the last tick's confirmed.
  if (tracker.txSent !== TX || tracker.txConfirmed !== TX - TX_PER_BLOCK) throw new Error(`tracker counted ${tracker.txSent} sent, ${tracker.txConfirmed} confirmed`);
  return { usPerTx, liveRecords: tracker.liveRecords, storedBytesPerTx: Math.round(storedBytes / TX) };
}

run(); // warm-up
const runs = [run(), run(), run()];
const samples = runs.map((r) => r.usPerTx);
const usPerTx = Math.round(Math.min(...samples) * 100) / 100;
const results = {
  measuredAt: new Date().toISOString(),
  node: process.version,
  transactions: TX,
  txPerResult: PER_RESULT,
  accounts: ACCOUNTS,
  usPerTxSamples: samples.map((s) => Math.round(s * 100) / 100),
  usPerTx,
  /** Checkpoint bytes (pages, overlays, gone lists, watermarks) per transaction. */
  storedBytesPerTx: runs[0].storedBytesPerTx,
  /** One core doing nothing else: the tracker's ceiling, before RPC calls and checkpoint writes. */
  txPerSecPerCore: Math.round(1e6 / usPerTx),
};
writeFileSync("bench/tracker-cost.json", JSON.stringify(results, null, 2) + "\n");
console.log(JSON.stringify(results, null, 2));
