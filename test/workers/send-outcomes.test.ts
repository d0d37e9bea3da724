/**
 * Send failures versus retries (PRODUCT.md §6), one burst at a time through the real fault proxy
 * in front of anvil. A transient error that a retry of the same bytes gets past is a retry; a
 * transaction the node refuses, or that is absent from the node once its retry budget has run
 * out, is a send failure. What the burst reports is what the circuit breaker and the rate limiter
 * count, so each case also checks what it adds to a breaker's window.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterEach, describe, expect, it } from "vitest";
import { NonceLedger } from "../../src/account/nonce-ledger";
import { sendBurst, type BurstResult, type SenderDeps } from "../../src/account/send-burst";
import { rebroadcastRaw } from "../../src/account/stuck-transactions";
import { JsonRpcClient } from "../../src/chain/rpc";
import { newBreaker, recordBurstOutcome } from "../../src/run/circuit-breaker";
import { ethTransfer } from "../../src/tx/eth-transfer";
import { unlabelled, type FeeQuote } from "../../src/tx/types";
import { mulberry32 } from "../support/seeded-random";
import { chainRpc, rpcUrl, setFaults } from "./helpers";

const FEES: FeeQuote = { maxFeePerGas: "20000000000", maxPriorityFeePerGas: "1000000000" };
/** Three attempts, tens of milliseconds apart: the same pipeline as production, only faster. */
const FAST_RETRY = { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 50, maxRetryAfterMs: 50 };

let nextObject = 0;

/** A funded fresh sender with its ledger in a Durable Object's storage, handed to `work`. */
async function withSender<T>(work: (deps: SenderDeps) => Promise<T>): Promise<T> {
  const signer = privateKeyToAccount(generatePrivateKey());
  await chainRpc("anvil_setBalance", [signer.address, "0x56bc75e2d63100000"]);
  const stub = env.ACCOUNT.get(env.ACCOUNT.idFromName(`send-outcomes:${nextObject++}`));
  return runInDurableObject(stub, async (_instance, state) => {
    const ledger = new NonceLedger(state.storage.sql);
    ledger.reset(0);
    return work({ ledger, signer, rpc: new JsonRpcClient(rpcUrl()), chainId: 31337, build: unlabelled(ethTransfer), retry: FAST_RETRY });
  });
}

/** A proxy seed whose first rolls against probability `p` come out as `hits` (true: the fault fires). */
function seedFor(p: number, hits: boolean[]): number {
  for (let seed = 1; ; seed++) {
    const random = mulberry32(seed);
    if (hits.every((hit) => random() < p === hit)) return seed;
  }
}

const breakerWindowOf = (result: BurstResult) => {
  const breaker = newBreaker();
  recordBurstOutcome(breaker, result);
  return breaker.window;
};

async function waitForMined(address: string, count: number): Promise<number> {
  let mined = 0;
  for (let i = 0; i < 40 && mined < count; i++) {
    mined = Number(await chainRpc<string>("eth_getTransactionCount", [address, "latest"]));
    if (mined < count) await new Promise((r) => setTimeout(r, 250));
  }
  return mined;
}

describe("send failures versus retries", () => {
  afterEach(() => setFaults({}));

  it("a 429 that the retry gets past is a retry, not a failure; the request, the refusal and its Retry-After are reported", async () => {
    // First request refused with Retry-After 2 (the retry waits only FAST_RETRY's 50 ms), second through.
    await setFaults({ seed: seedFor(0.5, [true, false]), rateLimit: 0.5, retryAfterSec: 2 });
    const { result, address } = await withSender(async (deps) => ({ result: await sendBurst(deps, 3, FEES), address: deps.signer.address }));
    expect(result.sent.map((t) => t.nonce)).toEqual([0, 1, 2]);
    expect(result.failed).toEqual([]);
    expect(result.submitted).toBe(3);
    expect(result.retries).toEqual({ "rate-limited": 3 });
    expect(result.attemptErrors).toEqual({ "rate-limited": 3 });
    expect(result.requests).toEqual({ sent: 2, rateLimited: 1, maxRetryAfterMs: 2_000 });
    expect(breakerWindowOf(result)).toEqual({ sends: 3, failures: 0, revocations: 0 });
    expect(await waitForMined(address, 3)).toBe(3);
  });

  it("an outcome still unknown after every attempt, then found at the node, is sent, not failed", async () => {
    // The node accepts each request, and the proxy cuts the connection before the answer.
    await setFaults({ dropAfterForward: 1 });
    const { result, address } = await withSender(async (deps) => ({ result: await sendBurst(deps, 2, FEES), address: deps.signer.address }));
    expect(result.sent.map((t) => t.nonce)).toEqual([0, 1]);
    expect(result.failed).toEqual([]);
    expect(result.retries).toEqual({ connection: 4 });
    expect(result.attemptErrors).toEqual({ connection: 6 });
    expect(result.requests).toEqual({ sent: 3, rateLimited: 0, maxRetryAfterMs: 0 });
    expect(breakerWindowOf(result)).toEqual({ sends: 2, failures: 0, revocations: 0 });
    expect(await waitForMined(address, 2)).toBe(2);
  });

  it("a transaction refused for rate until its budget runs out, and absent from the node, is a send failure", async () => {
    await setFaults({ rateLimit: 1, retryAfterSec: 1 });
    const { result, snapshot } = await withSender(async (deps) => ({ result: await sendBurst(deps, 2, FEES), snapshot: deps.ledger.snapshot() }));
    expect(result.sent).toEqual([]);
    expect(result.failed.map((f) => [f.nonce, f.errorClass])).toEqual([
      [0, "rate-limited"],
      [1, "rate-limited"],
    ]);
    // The first two tries were retried; the last was not, and is the failure.
    expect(result.retries).toEqual({ "rate-limited": 4 });
    expect(result.requests).toEqual({ sent: 3, rateLimited: 3, maxRetryAfterMs: 1_000 });
    expect(snapshot.free).toEqual([0, 1]);
    expect(breakerWindowOf(result)).toEqual({ sends: 2, failures: 2, revocations: 0 });
  });

  it("a refusal by the node inside a 200 batch answer is a send failure at once; its nonce is reused and nothing is lost", async () => {
    // The proxy's reject mode: per call of the batch, refuse without forwarding, forward the rest.
    const hits = [false, true, false, true];
    await setFaults({ seed: seedFor(0.5, hits), reject: 0.5 });
    const { first, again, address } = await withSender(async (deps) => {
      const first = await sendBurst(deps, 4, FEES);
      await setFaults({});
      return { first, again: await sendBurst(deps, 2, FEES), address: deps.signer.address };
    });
    expect(first.sent.map((t) => t.nonce)).toEqual([0, 2]);
    expect(first.failed.map((f) => [f.nonce, f.errorClass])).toEqual([
      [1, "insufficient-funds"],
      [3, "insufficient-funds"],
    ]);
    expect(first.retries).toEqual({});
    expect(first.requests).toEqual({ sent: 1, rateLimited: 0, maxRetryAfterMs: 0 });
    expect(breakerWindowOf(first)).toEqual({ sends: 4, failures: 2, revocations: 0 });
    expect(again.sent.map((t) => t.nonce)).toEqual([1, 3]);
    expect(await waitForMined(address, 4)).toBe(4);
  });

  it("a re-broadcast is a request, not a new send", async () => {
    const result = await withSender(async (deps) => {
      await sendBurst(deps, 2, FEES);
      return rebroadcastRaw(deps, deps.ledger.sentSlots([0, 1]).map((s) => s.raw!));
    });
    expect(result.submitted).toBe(0);
    expect(result.requests.sent).toBe(1);
    expect(breakerWindowOf(result)).toEqual({ sends: 0, failures: 0, revocations: 0 });
  });
});
