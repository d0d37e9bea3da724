/**
 * One account object against the real anvil: nonces reserved, sent as a batch, committed,
 * rolled back on a real rejection and reused, resynced after "nonce too low", closed at settle.
 */
import { abortAllDurableObjects, env, runInDurableObject } from "cloudflare:test";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { NonceLedger } from "../../src/account/nonce-ledger";
import { SIGN_CHUNK, signReserved } from "../../src/account/send-burst";
import { JsonRpcClient } from "../../src/chain/rpc";
import { ethTransfer } from "../../src/tx/eth-transfer";
import { unlabelled } from "../../src/tx/types";
import type { FeeQuote } from "../../src/tx/types";
import { chainRpc, rpcUrl, setFaults } from "./helpers";

const GOOD_FEES: FeeQuote = { maxFeePerGas: "20000000000", maxPriorityFeePerGas: "1000000000" };
/** Below any base fee anvil starts with: the node refuses such a transaction outright. */
const TOO_CHEAP: FeeQuote = { maxFeePerGas: "1", maxPriorityFeePerGas: "1" };

let nextIndex = 900;

async function freshAccount(fund = true) {
  const index = nextIndex++;
  const stub = env.ACCOUNT.get(env.ACCOUNT.idFromName(`sender-test:${index}`));
  const { address } = await stub.prepare({ index, chainId: 31337, rpcUrl: rpcUrl() });
  if (fund) await chainRpc("anvil_setBalance", [address, "0x56bc75e2d63100000"]);
  return { stub, address };
}

const nodeNonce = async (address: string, tag = "pending") => Number(await chainRpc<string>("eth_getTransactionCount", [address, tag]));

async function waitForMined(address: string, nonce: number) {
  for (let i = 0; i < 40 && (await nodeNonce(address, "latest")) < nonce; i++) await new Promise((r) => setTimeout(r, 250));
  return nodeNonce(address, "latest");
}

describe("account object sending to anvil", () => {
  it("starts from the node's pending nonce and sends a burst as one batch", async () => {
    const { stub, address } = await freshAccount();
    expect((await stub.syncNonce()).nonce).toBe(0);
    const result = await stub.burst({ mix: [["eth-transfer", 5]], fees: GOOD_FEES });
    expect(result.submitted).toBe(5);
    expect(result.requests).toEqual({ sent: 1, rateLimited: 0, maxRetryAfterMs: 0 });
    expect(result.retries).toEqual({});
    expect(result.failed).toEqual([]);
    expect(result.sent.map((t) => t.nonce)).toEqual([0, 1, 2, 3, 4]);
    expect(result.sendLatency.count).toBe(5);
    expect(await waitForMined(address, 5)).toBe(5);
    expect(await stub.ledgerSnapshot()).toMatchObject({ next: 5, sent: 5, free: [], reserved: [], unknown: [] });
  });

  it("rolls back nonces the node refused and reuses them first, leaving no gap", async () => {
    const { stub, address } = await freshAccount();
    await stub.syncNonce();
    const refused = await stub.burst({ mix: [["eth-transfer", 3]], fees: TOO_CHEAP });
    expect(refused.sent).toEqual([]);
    expect(refused.failed.map((f) => f.errorClass)).toEqual(["underpriced", "underpriced", "underpriced"]);
    expect((await stub.ledgerSnapshot()).free).toEqual([0, 1, 2]);

    const retry = await stub.burst({ mix: [["eth-transfer", 4]], fees: GOOD_FEES });
    expect(retry.sent.map((t) => t.nonce)).toEqual([0, 1, 2, 3]);
    expect(await waitForMined(address, 4)).toBe(4);
  });

  it("classifies a send without funds and keeps the nonce for reuse", async () => {
    const { stub } = await freshAccount(false);
    await stub.syncNonce();
    const result = await stub.burst({ mix: [["eth-transfer", 1]], fees: GOOD_FEES });
    expect(result.failed[0].errorClass).toBe("insufficient-funds");
    expect(await stub.ledgerSnapshot()).toMatchObject({ next: 1, free: [0] });
  });

  it("confirms 'nonce too low' with the node and moves the ledger up to the node's nonce", async () => {
    const { stub, address } = await freshAccount();
    await stub.syncNonce();
    // Something else used this account's nonces 0..19 behind the ledger's back.
    await chainRpc("anvil_setNonce", [address, "0x14"]);
    const stale = await stub.burst({ mix: [["eth-transfer", 2]], fees: GOOD_FEES });
    expect(stale.failed.map((f) => f.errorClass)).toEqual(["nonce-too-low", "nonce-too-low"]);
    expect((await stub.ledgerSnapshot()).next).toBe(20);

    const fresh = await stub.burst({ mix: [["eth-transfer", 2]], fees: GOOD_FEES });
    expect(fresh.sent.map((t) => t.nonce)).toEqual([20, 21]);
    expect(await waitForMined(address, 22)).toBe(22);
  });

  it("resumes from its persisted ledger after the object restarts", async () => {
    const { stub, address } = await freshAccount();
    await stub.syncNonce();
    await stub.burst({ mix: [["eth-transfer", 3]], fees: GOOD_FEES });
    await abortAllDurableObjects();
    const again = env.ACCOUNT.get(env.ACCOUNT.idFromName(`sender-test:${nextIndex - 1}`));
    const after = await again.burst({ mix: [["eth-transfer", 2]], fees: GOOD_FEES });
    expect(after.sent.map((t) => t.nonce)).toEqual([3, 4]);
    expect(await waitForMined(address, 5)).toBe(5);
  });

  it("closes rolled-back nonces at settle so later transactions are not stuck behind a gap", async () => {
    const { stub, address } = await freshAccount();
    await stub.syncNonce();
    await stub.burst({ mix: [["eth-transfer", 2]], fees: TOO_CHEAP });
    const closing = await stub.settle(GOOD_FEES);
    expect(closing.sent.map((t) => t.nonce)).toEqual([0, 1]);
    expect(await waitForMined(address, 2)).toBe(2);
    const pool = await chainRpc<{ pending: Record<string, unknown>; queued: Record<string, unknown> }>("txpool_content");
    const mine = (section: Record<string, unknown>) => Object.keys(section).filter((a) => a.toLowerCase() === address.toLowerCase());
    expect([...mine(pool.pending), ...mine(pool.queued)]).toEqual([]);
  });

  it("closes a nonce the node never got with a self-transfer, so the account has no hole", async () => {
    const { stub, address } = await freshAccount();
    await stub.syncNonce();
    // The proxy answers success without forwarding: the ledger holds nonce 0 as sent, the node nothing.
    await setFaults({ blackhole: 1 });
    const lost = await stub.burst({ mix: [["eth-transfer", 1]], fees: GOOD_FEES });
    await setFaults({});
    expect(lost.sent.map((t) => t.nonce)).toEqual([0]);
    expect(await chainRpc("eth_getTransactionByHash", [lost.sent[0].hash])).toBeNull();

    const closing = await stub.close([0], GOOD_FEES);
    expect(closing.sent).toHaveLength(1);
    expect(await waitForMined(address, 1)).toBe(1);
    const mined = await chainRpc<{ from: string; to: string; value: string; nonce: string }>("eth_getTransactionByHash", [closing.sent[0].hash]);
    expect(mined.to.toLowerCase()).toBe(address.toLowerCase());
    expect(Number(mined.value)).toBe(0);
  });

  it("replaces a stuck transaction with a fee bump of at least 12.5 %, keeping its payload", async () => {
    const { stub, address } = await freshAccount();
    await stub.syncNonce();
    await setFaults({ blackhole: 1 });
    const lost = await stub.burst({ mix: [["eth-transfer", 1]], fees: GOOD_FEES });
    await setFaults({});
    const replaced = await stub.replace([0], { maxFeePerGas: "1000", maxPriorityFeePerGas: "1" });
    expect(replaced.replaced).toEqual([{ nonce: 0, oldHash: lost.sent[0].hash, hash: expect.any(String) }]);
    expect(await waitForMined(address, 1)).toBe(1);
    const mined = await chainRpc<{ to: string; value: string; maxFeePerGas: string; maxPriorityFeePerGas: string }>("eth_getTransactionByHash", [replaced.replaced![0].hash]);
    expect(mined.to.toLowerCase()).toBe("0x000000000000000000000000000000000000dead");
    expect(Number(mined.value)).toBe(1);
    expect(BigInt(mined.maxFeePerGas)).toBeGreaterThanOrEqual((BigInt(GOOD_FEES.maxFeePerGas) * 1125n) / 1000n);
    expect(BigInt(mined.maxPriorityFeePerGas)).toBeGreaterThanOrEqual((BigInt(GOOD_FEES.maxPriorityFeePerGas) * 1125n) / 1000n);
  });

  it("a new run's sync waits for a send still under way: the old submission settles in the old ledger, never the new one", async () => {
    const { stub, address } = await freshAccount();
    await stub.syncNonce();
    // The node answers this burst 2 s late: a reset run's last submission, still in flight.
    await setFaults({ delay: 1, delayMs: 2_000 });
    const inFlight = stub.burst({ mix: [["eth-transfer", 3]], fees: GOOD_FEES });
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    const synced = await stub.syncNonce();
    await setFaults({});
    expect(Date.now() - started).toBeGreaterThan(1_000); // it waited for the submission to end
    const old = await inFlight;
    expect(old.sent.map((t) => t.nonce)).toEqual([0, 1, 2]);
    // The next run starts after them, with nothing of the old run in its ledger or its outbox.
    expect(synced.nonce).toBe(3);
    expect(await stub.ledgerSnapshot()).toMatchObject({ next: 3, reserved: [], unknown: [], free: [], rows: 0 });
    expect((await stub.collect({ ack: 0, minedBelow: 0 })).deliveries).toEqual([]);
    expect(await waitForMined(address, 3)).toBe(3);
  });
  it("sends nothing signed after its sendBy instant, and gives the nonces back without a gap", async () => {
    const { stub, address } = await freshAccount();
    await stub.syncNonce();
    const late = await stub.burst({ mix: [["eth-transfer", 40]], fees: GOOD_FEES, sendBy: Date.now() - 1 });
    expect(late).toMatchObject({ submitted: 0, sent: [], failed: [], unsent: 40 });
    expect(late.requests.sent).toBe(0);
    expect(await stub.ledgerSnapshot()).toMatchObject({ next: 0, reserved: [], free: [], unknown: [] });
    const onTime = await stub.burst({ mix: [["eth-transfer", 3]], fees: GOOD_FEES, sendBy: Date.now() + 60_000 });
    expect(onTime.sent.map((t) => t.nonce)).toEqual([0, 1, 2]);
    expect(onTime.unsent).toBeUndefined();
    expect(await waitForMined(address, 3)).toBe(3);
  });

  it("yields to the event loop while it signs a large burst, so other requests are not held behind it", async () => {
    const stub = env.ACCOUNT.get(env.ACCOUNT.idFromName(`sender-test:yield:${nextIndex++}`));
    const { timerRanWhileSigning, signed } = await runInDurableObject(stub, async (_instance, state) => {
      const ledger = new NonceLedger(state.storage.sql);
      ledger.reset(0);
      const deps = { ledger, signer: privateKeyToAccount(generatePrivateKey()), rpc: new JsonRpcClient(rpcUrl()), chainId: 31337, build: unlabelled(ethTransfer) };
      let done = false;
      let timerRanWhileSigning = false;
      const signing = signReserved(deps, 4 * SIGN_CHUNK, GOOD_FEES).then((r) => ((done = true), r));
      // A timer stands for any other event queued for the isolate, e.g. a status request.
      setTimeout(() => (timerRanWhileSigning = !done), 0);
      const { signed } = await signing;
      return { timerRanWhileSigning, signed: signed.length };
    });
    expect(signed).toBe(4 * SIGN_CHUNK);
    expect(timerRanWhileSigning).toBe(true);
  });
});
