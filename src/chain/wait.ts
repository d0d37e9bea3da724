/** Waiting on the chain: sleeps that yield to the runtime, and receipt polling. */
import type { JsonRpcClient } from "./rpc";

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface Receipt {
  status: string;
  transactionHash: string;
  contractAddress?: string | null;
  gasUsed: string;
}

/** Polls receipts until every hash is mined or `timeoutMs` passes; returns the receipts found. */
export async function waitForReceipts(rpc: JsonRpcClient, hashes: string[], timeoutMs: number, pollMs = 250): Promise<Map<string, Receipt>> {
  const found = new Map<string, Receipt>();
  const deadline = Date.now() + timeoutMs;
  while (found.size < hashes.length && Date.now() < deadline) {
    const missing = hashes.filter((h) => !found.has(h));
    const outcomes = await rpc.batch<Receipt | null>(missing.map((h) => ({ method: "eth_getTransactionReceipt", params: [h] })));
    outcomes.forEach((o, i) => {
      if (o.ok && o.result) found.set(missing[i], o.result);
    });
    if (found.size < hashes.length) await sleep(pollMs);
  }
  return found;
}

/** Lets every other event queued for the isolate run before the caller goes on (a timer, not a microtask). */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));
