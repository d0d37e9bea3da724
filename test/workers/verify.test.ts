/**
 * verifyRun against the real anvil: two derived senders send a few transactions through their
 * account objects, then the verification is read from the node by nonces alone. It verifies when
 * the counts match, and names the problem when the load count is off by one, when a ledger
 * disagrees with the chain, and when a transaction queued behind a nonce gap sits in the pool.
 */
import { env } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JsonRpcClient } from "../../src/chain/rpc";
import { DEV_CHAIN_ID, TRANSFER_RECIPIENT, funderSource } from "../../src/config";
import { senderAccount } from "../../src/account/keys";
import { verifyRun, type SenderStart } from "../../src/run/verify";
import type { FeeQuote } from "../../src/tx/types";
import { anvilUrl, auditChain, blockNumber, chainRpc, rpcUrl } from "./helpers";

const FEES: FeeQuote = { maxFeePerGas: "20000000000", maxPriorityFeePerGas: "1000000000" };
/** Far from the indices runs and the account-sender suite use: these addresses are this file's. */
const INDICES = [980, 981];

const nodeNonce = async (address: string, tag = "latest") => Number(await chainRpc<string>("eth_getTransactionCount", [address, tag]));

async function waitForMined(address: string, nonce: number): Promise<void> {
  for (let i = 0; i < 40 && (await nodeNonce(address)) < nonce; i++) await new Promise((r) => setTimeout(r, 250));
  expect(await nodeNonce(address)).toBe(nonce);
}

async function account(index: number) {
  const stub = env.ACCOUNT.get(env.ACCOUNT.idFromName(`verify-test:${index}`));
  const { address } = await stub.prepare({ index, chainId: DEV_CHAIN_ID, rpcUrl: rpcUrl() });
  await chainRpc("anvil_setBalance", [address, "0x56bc75e2d63100000"]);
  return { stub, address };
}

async function send(stub: Awaited<ReturnType<typeof account>>["stub"], count: number): Promise<void> {
  const result = await stub.burst({ mix: [["eth-transfer", count]], fees: FEES });
  expect(result.failed).toEqual([]);
  expect(result.sent).toHaveLength(count);
}

describe("verifyRun against anvil", () => {
  const rpc = () => new JsonRpcClient(anvilUrl());
  let a: Awaited<ReturnType<typeof account>>;
  let b: Awaited<ReturnType<typeof account>>;
  let senders: SenderStart[];
  let fromBlock: number;
  let toBlock: number;

  beforeAll(async () => {
    [a, b] = await Promise.all(INDICES.map(account));
    fromBlock = (await blockNumber()) + 1;
    // An earlier run's transactions of sender a, still unmined when this run takes its start
    // nonce: they will be mined inside the range, yet they are not this run's.
    await a.stub.syncNonce();
    await send(a.stub, 2);
    const startA = (await a.stub.syncNonce()).nonce;
    const startB = (await b.stub.syncNonce()).nonce;
    await send(a.stub, 3);
    await send(b.stub, 2);
    await Promise.all([waitForMined(a.address, startA + 3), waitForMined(b.address, startB + 2)]);
    toBlock = await blockNumber();
    const ledgerNext = async (s: typeof a) => (await s.stub.ledgerSnapshot()).next;
    senders = [
      { address: a.address, startNonce: startA, ledgerNext: await ledgerNext(a) },
      { address: b.address, startNonce: startB, ledgerNext: await ledgerNext(b) },
    ];
  });

  it("verifies when the expected counts match what the senders' nonces say, the earlier run's transactions left out", async () => {
    const v = await verifyRun(rpc(), { fromBlock, toBlock, senders, expected: { loadConfirmed: 4, housekeepingConfirmed: 1 } });
    expect(v).toEqual({
      verified: true,
      fromBlock,
      toBlock,
      includedOnChain: 5,
      txConfirmed: 4,
      housekeepingConfirmed: 1,
      accountsChecked: 2,
      accountsWithGaps: 0,
      poolLeftovers: 0,
      poolCheck: "txpool_content",
      problems: [],
    });
    // The tests' own block-reading audit agrees: 7 mined in range (the earlier run's 2 included,
    // as it knows nothing of start nonces), contiguous, and the final nonces are the ledgers' next.
    const audit = await auditChain(fromBlock - 1, [a.address, b.address]);
    expect(audit).toMatchObject({ gaps: [], senders: 2, loadTransactions: 7, senderTransactions: 7 });
    expect(audit.finalNonces).toEqual({ [a.address.toLowerCase()]: senders[0].ledgerNext, [b.address.toLowerCase()]: senders[1].ledgerNext });
  });

  it("names the problem when the load count is off by one", async () => {
    const v = await verifyRun(rpc(), { fromBlock, toBlock, senders, expected: { loadConfirmed: 6, housekeepingConfirmed: 0 } });
    expect(v.verified).toBe(false);
    expect(v.includedOnChain).toBe(5);
    expect(v.problems).toEqual(["chain holds 5 transactions of the run's senders, the run counted 6 (6 load confirmed + 0 housekeeping + 0 reverted)"]);
  });

  it("names the sender whose ledger disagrees with its nonce at the last block", async () => {
    const disagreeing = [senders[0], { ...senders[1], ledgerNext: senders[1].ledgerNext! + 1 }];
    const v = await verifyRun(rpc(), { fromBlock, toBlock, senders: disagreeing, expected: { loadConfirmed: 5, housekeepingConfirmed: 0 } });
    expect(v.verified).toBe(false);
    expect(v.accountsWithGaps).toBe(1);
    expect(v.problems).toEqual([`${b.address}: 1 signed but not mined (chain nonce ${senders[1].ledgerNext}, ledger next ${senders[1].ledgerNext! + 1})`]);
  });

  describe("with a transaction queued behind a nonce gap", () => {
    let gapNonce: number;

    beforeAll(async () => {
      gapNonce = await nodeNonce(b.address);
      // Signed one nonce ahead of the chain: the node keeps it in its queued section.
      const signer = senderAccount(funderSource(env, DEV_CHAIN_ID)!, INDICES[1]);
      expect(signer.address).toBe(b.address);
      const raw = await signer.signTransaction({
        type: "eip1559",
        chainId: DEV_CHAIN_ID,
        nonce: gapNonce + 1,
        to: TRANSFER_RECIPIENT,
        value: 1n,
        gas: 21_000n,
        maxFeePerGas: BigInt(FEES.maxFeePerGas),
        maxPriorityFeePerGas: BigInt(FEES.maxPriorityFeePerGas),
      });
      await chainRpc("eth_sendRawTransaction", [raw]);
      const status = await chainRpc<{ queued: string }>("txpool_status");
      expect(Number(status.queued)).toBe(1);
    });

    // Other files share this anvil and audit that its pool is empty: fill the gap so both mine.
    afterAll(async () => {
      await send(b.stub, 1);
      await waitForMined(b.address, gapNonce + 2);
      const status = await chainRpc<{ pending: string; queued: string }>("txpool_status");
      expect(Number(status.pending) + Number(status.queued)).toBe(0);
    });

    it("reports it as a pool leftover of its sender", async () => {
      const v = await verifyRun(rpc(), { fromBlock, toBlock, senders, expected: { loadConfirmed: 5, housekeepingConfirmed: 0 } });
      expect(v).toMatchObject({ verified: false, includedOnChain: 5, poolLeftovers: 1, accountsWithGaps: 1, poolCheck: "txpool_content" });
      expect(v.problems).toEqual([
        "1 transactions of the run's senders still in the node's pool",
        `${b.address}: 1 transactions still in the node's pool`,
      ]);
    });
  });
});
