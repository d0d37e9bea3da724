/**
 * POST /recycle: every sender that earlier runs used sends its balance, less the transfer's fee,
 * back to the funder, each through its own account object and ledger (never a second transaction
 * signed for a nonce). The route holds the one-run lock meanwhile, so no run funds or sends from
 * these accounts, and this waits a bounded time for the sweeps to be mined.
 */
import { DEFAULT_TIP_WEI, type Env, type RuntimeConfig } from "../config";
import { sweepFee, type SweepOutcome } from "../account/sweep";
import { fetchFees } from "../chain/node-queries";
import type { JsonRpcClient } from "../chain/rpc";
import { waitForReceipts } from "../chain/wait";
import type { FeeQuote } from "../tx/types";
import { accountStub, mapInChunks, planAccounts } from "./initialize";
import { placeAccounts, runRegions } from "./region-plan";
import type { RunRecord } from "./run-state";

export interface SenderRef {
  index: number;
  region: string;
}

export interface RecycleResult {
  status: "success" | "partial";
  /** Accounts whose sweep was mined. */
  recycled: number;
  /** Accounts holding no more than one sweep's fee: left as they are, not an error. */
  skipped: number;
  /** Accounts not swept: refused, not mined within the wait, or their object did not answer. */
  failed: number;
  /** Senders considered: every index an earlier run used. */
  accounts: number;
  /** Wei the mined sweeps sent to the funder. */
  returnedWei: string;
  /** What one sweep pays (21,000 gas at the quote): an account holding no more than this is skipped. */
  feeWei: string;
  funder: string;
  error?: string;
}

/**
 * The senders of earlier runs (`runs` newest first), one per index. A sender's key depends on its
 * index alone, so one address may have an object in each region a run put it in; only one of them
 * (the newest run's) sweeps it, so no two objects ever sign for the same account at once. A run
 * that never reached running has no `numAccounts` yet: its request says how many it planned.
 */
export function sendersOfRuns(runs: ReadonlyArray<{ numAccounts: number | null; config: unknown }>, planned: (request: RunRecord["request"]) => number): SenderRef[] {
  const regionOf = new Map<number, string>();
  for (const run of runs) {
    const request = (run.config ?? {}) as RunRecord["request"];
    let count = run.numAccounts;
    if (count === null) {
      try {
        count = planned(request);
      } catch {
        count = 0;
      }
    }
    if (!Number.isInteger(count) || count! <= 0) continue;
    const placed = placeAccounts(count!, runRegions(request), request.regionWeights);
    for (const [index, region] of placed.entries()) if (!regionOf.has(index)) regionOf.set(index, region);
  }
  return [...regionOf].map(([index, region]) => ({ index, region })).sort((a, b) => a.index - b.index);
}

/** Outcomes and receipts into the answer; failures grouped by reason, the commonest first. */
export function summarizeRecycle(outcomes: SweepOutcome[], receipts: ReadonlyMap<string, { status: string }>, waitMs: number, feeWei: bigint, funder: string): RecycleResult {
  let recycled = 0;
  let skipped = 0;
  let returned = 0n;
  const reasons = new Map<string, number>();
  const fail = (reason: string) => reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  for (const o of outcomes) {
    if (o.outcome === "skipped") skipped += 1;
    else if (o.outcome === "failed") fail(o.error ?? "failed");
    else if (receipts.get(o.hash!)?.status === "0x1") {
      recycled += 1;
      returned += BigInt(o.valueWei!);
    } else fail(receipts.has(o.hash!) ? "sweep reverted" : `sweep not mined within ${waitMs} ms`);
  }
  const failed = outcomes.length - recycled - skipped;
  const result: RecycleResult = { status: failed === 0 ? "success" : "partial", recycled, skipped, failed, accounts: outcomes.length, returnedWei: returned.toString(), feeWei: feeWei.toString(), funder };
  if (failed > 0) {
    const listed = [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 5);
    result.error = `${failed} of ${outcomes.length} accounts not swept: ${listed.map(([reason, n]) => `${n} × ${reason}`).join("; ")}`;
  }
  return result;
}

export interface RecycleContext {
  env: Env;
  config: RuntimeConfig;
  rpc: JsonRpcClient;
  chainId: number;
  funder: `0x${string}`;
  legacy: boolean;
}

export async function recycleSenders(ctx: RecycleContext, runs: ReadonlyArray<{ numAccounts: number | null; config: unknown }>): Promise<RecycleResult> {
  const { env, config, rpc, chainId, funder, legacy } = ctx;
  const senders = sendersOfRuns(runs, (request) => planAccounts({ request }, config).numAccounts);
  const fees = await fetchFees(rpc, DEFAULT_TIP_WEI, legacy);
  const quote: FeeQuote = { maxFeePerGas: fees.maxFeePerGas.toString(), maxPriorityFeePerGas: fees.maxPriorityFeePerGas.toString() };
  const outcomes = await mapInChunks(senders, (s) =>
    accountStub(env, s.region, s.index)
      .sweep({ index: s.index, chainId, rpcUrl: rpc.url, legacy }, funder, quote)
      .catch((err): SweepOutcome => ({ address: `sender ${s.index}`, outcome: "failed", balanceWei: "0", error: `account object: ${err instanceof Error ? err.message : String(err)}` })),
  );
  const hashes = outcomes.flatMap((o) => (o.hash ? [o.hash] : []));
  let receipts: ReadonlyMap<string, { status: string }> = new Map();
  try {
    if (hashes.length > 0) receipts = await waitForReceipts(rpc, hashes, config.recycleWaitMs);
  } catch (err) {
    // The node stopped answering while the sweeps were mined: they count as not mined (partial).
    console.error(`recycle: receipts could not be read: ${err instanceof Error ? err.message : err}`);
  }
  return summarizeRecycle(outcomes, receipts, config.recycleWaitMs, sweepFee(quote), funder);
}
