/**
 * The contract-based transaction types, each in a whole run on anvil: contracts deployed once and
 * cached in D1, senders prepared (tokens, NFTs), every load transaction's effect checked in its
 * receipt, and the usual accounting (pool empty, chain = reported, contiguous nonces).
 */
import { env } from "cloudflare:test";
import { decodeEventLog, type Hex } from "viem";
import { describe, expect, it } from "vitest";
import { ABI } from "../../src/contracts/abis";
import type { TestMetrics } from "../../src/metrics/test-metrics";
import { APPROVE_SPENDER } from "../../src/tx/erc20";
import { DEV_FUNDER, apiJson, auditChain, blockNumber, chainRpc, ledgerMismatches, waitForRun } from "./helpers";

interface Receipt {
  status: string;
  gasUsed: string;
  to: string;
  from: string;
  logs: Array<{ address: string; topics: Hex[]; data: Hex }>;
}

/** Every receipt of the run's senders mined after `fromBlock` (the funder's are set-up, not load). */
async function senderReceipts(fromBlock: number): Promise<Receipt[]> {
  const head = await blockNumber();
  const out: Receipt[] = [];
  for (let n = fromBlock + 1; n <= head; n++) {
    const receipts = await chainRpc<Receipt[]>("eth_getBlockReceipts", [`0x${n.toString(16)}`]);
    out.push(...receipts.filter((r) => r.from.toLowerCase() !== DEV_FUNDER));
  }
  return out;
}

async function startRun(request: Record<string, unknown>): Promise<{ m: TestMetrics; fromBlock: number; receipts: Receipt[] }> {
  const fromBlock = await blockNumber();
  const { status, body } = await apiJson("/v1/start", { method: "POST", json: { pattern: "constant", durationSec: 3, numAccounts: 4, constantRate: 20, ...request } });
  expect(status, JSON.stringify(body)).toBe(200);
  const m = await waitForRun(body.runId, undefined, 120_000);
  expect(m.status, m.error ?? "").toBe("completed");
  expect(m.verification).toMatchObject({ verified: true });
  // From the run's start block: set-up before it (deployments, mints, a swapper's approvals) is not the run's.
  const audit = await auditChain(m.startBlock!);
  expect(audit.gaps).toEqual([]);
  expect(audit.poolPending + audit.poolQueued).toBe(0);
  expect(audit.senderTransactions).toBe(m.txConfirmed + m.housekeeping.confirmed + (m.byType ? Object.values(m.byType).reduce((s, t) => s + t.reverted, 0) : 0));
  expect(await ledgerMismatches(audit, m)).toEqual([]);
  return { m, fromBlock, receipts: await senderReceipts(m.startBlock!) };
}

const loadReceipts = (receipts: Receipt[], to: string | undefined) => receipts.filter((r) => r.to?.toLowerCase() === to?.toLowerCase());

const events = (r: Receipt, abi: readonly unknown[]) =>
  r.logs.map((log) => decodeEventLog({ abi: abi as typeof ABI.erc20, topics: log.topics as [Hex, ...Hex[]], data: log.data }));

const figures: Record<string, unknown> = {};

describe("contract transaction types: whole runs on anvil", () => {
  it("erc20-transfer: deploys the token once, mints to the senders, and every load transaction moves 1 unit to a fresh address", async () => {
    const { m, receipts } = await startRun({ transactionType: "erc20-transfer" });
    const token = m.contracts.erc20;
    expect(token).toMatch(/^0x[0-9a-fA-F]{40}$/);
    const load = loadReceipts(receipts, token);
    expect(load.length).toBe(m.txConfirmed);
    expect(m.txConfirmed).toBeGreaterThanOrEqual(50);
    const recipients = new Set<string>();
    for (const r of load) {
      expect(r.status).toBe("0x1");
      const [ev] = events(r, ABI.erc20);
      expect(ev.eventName).toBe("Transfer");
      const args = ev.args as { to: string; value: bigint };
      expect(args.value).toBe(1n);
      recipients.add(args.to.toLowerCase());
    }
    expect(recipients.size).toBe(load.length);
    expect(m.byType["erc20-transfer"]).toMatchObject({ sent: m.txSent, confirmed: m.txConfirmed, reverted: 0 });
    figures["erc20-transfer"] = { confirmed: m.txConfirmed, sent: m.txSent, avgGas: m.byType["erc20-transfer"].avgGasUsed };
  });

  it("a second run of a type whose contracts are on chain deploys nothing: the D1 record is reused", async () => {
    const before = await env.DB.prepare("SELECT name, address, deployed_at FROM contracts WHERE name = 'erc20'").first();
    const fromBlock = await blockNumber();
    const { m } = await startRun({ transactionType: "erc20-approve" });
    const after = await env.DB.prepare("SELECT name, address, deployed_at FROM contracts WHERE name = 'erc20'").first();
    expect(after).toEqual(before);
    expect(m.contracts.erc20).toBe(before!.address);
    // No contract creation by the funder since the run began.
    const head = await blockNumber();
    for (let n = fromBlock + 1; n <= head; n++) {
      const block = await chainRpc<{ transactions: Array<{ from: string; to: string | null }> }>("eth_getBlockByNumber", [`0x${n.toString(16)}`, true]);
      expect(block.transactions.filter((t) => t.to === null)).toEqual([]);
    }
  });
});

describe("contract transaction types: the other types", () => {
  it("erc20-approve: every load transaction emits Approval of max uint256 to the fixed spender", async () => {
    const { m, receipts } = await startRun({ transactionType: "erc20-approve" });
    const load = loadReceipts(receipts, m.contracts.erc20);
    expect(load.length).toBe(m.txConfirmed);
    for (const r of load) {
      const [ev] = events(r, ABI.erc20);
      expect(ev.eventName).toBe("Approval");
      expect((ev.args as { spender: string }).spender.toLowerCase()).toBe(APPROVE_SPENDER.toLowerCase());
      expect((ev.args as { value: bigint }).value).toBe(2n ** 256n - 1n);
    }
    figures["erc20-approve"] = { confirmed: m.txConfirmed, sent: m.txSent, avgGas: m.byType["erc20-approve"].avgGasUsed };
  });

  it("storage-write: every call writes a storage slot (gas of an SSTORE that changes a value)", async () => {
    const { m, receipts } = await startRun({ transactionType: "storage-write" });
    const load = loadReceipts(receipts, m.contracts.gasConsumer);
    expect(load.length).toBe(m.txConfirmed);
    // 21,000 intrinsic + a changing SSTORE (≥ 2,900 warm, 20,000 from zero) + calldata.
    for (const r of load) expect(Number(r.gasUsed)).toBeGreaterThan(21_000 + 2_900);
    figures["storage-write"] = { confirmed: m.txConfirmed, sent: m.txSent, avgGas: m.byType["storage-write"].avgGasUsed };
  });

  it("heavy-compute: 1000 keccak rounds per call, far above a transfer and within the 500,000 limit", async () => {
    const { m, receipts } = await startRun({ transactionType: "heavy-compute" });
    const load = loadReceipts(receipts, m.contracts.gasConsumer);
    expect(load.length).toBe(m.txConfirmed);
    for (const r of load) {
      expect(Number(r.gasUsed)).toBeGreaterThan(100_000);
      expect(Number(r.gasUsed)).toBeLessThan(500_000);
    }
    figures["heavy-compute"] = { confirmed: m.txConfirmed, sent: m.txSent, avgGas: m.byType["heavy-compute"].avgGasUsed };
  });

  it("erc721-transfer: each sender hands out NFTs it was minted, each token once, each to a fresh address", async () => {
    const { m, receipts } = await startRun({ transactionType: "erc721-transfer" });
    const load = loadReceipts(receipts, m.contracts.erc721);
    expect(load.length).toBe(m.txConfirmed);
    const tokens = new Set<bigint>();
    for (const r of load) {
      expect(r.status).toBe("0x1");
      const [ev] = events(r, ABI.erc721);
      expect(ev.eventName).toBe("Transfer");
      const args = ev.args as unknown as { from: string; tokenId: bigint };
      expect(args.from.toLowerCase()).toBe(r.from.toLowerCase());
      tokens.add(args.tokenId);
    }
    expect(tokens.size).toBe(load.length);
    expect(m.byType["erc721-transfer"].reverted).toBe(0);
    figures["erc721-transfer"] = { confirmed: m.txConfirmed, sent: m.txSent, avgGas: m.byType["erc721-transfer"].avgGasUsed };
  });

  it("uniswap-swap: deploys V3 and a seeded WETH/USDC pool; swaps alternate direction and none reverts", async () => {
    const { m, receipts } = await startRun({ transactionType: "uniswap-swap" });
    const load = loadReceipts(receipts, m.contracts.swapRouter);
    expect(load.length).toBe(m.txConfirmed);
    expect(m.txConfirmed).toBeGreaterThanOrEqual(50);
    const directions = { wethIn: 0, usdcIn: 0 };
    const weth = m.contracts.weth9!.toLowerCase();
    for (const r of load) {
      expect(r.status).toBe("0x1");
      const swaps = r.logs.filter((l) => l.address.toLowerCase() === m.contracts.uniswapPool!.toLowerCase());
      expect(swaps).toHaveLength(1);
      const ev = decodeEventLog({ abi: ABI.uniswapV3Pool, topics: swaps[0].topics as [Hex, ...Hex[]], data: swaps[0].data });
      expect(ev.eventName).toBe("Swap");
      // The token the pool received is the one whose amount is positive.
      const { amount0 } = ev.args as unknown as { amount0: bigint };
      const token0IsWeth = BigInt(weth) < BigInt(m.contracts.usdc!);
      const wethIn = (amount0 > 0n) === token0IsWeth;
      directions[wethIn ? "wethIn" : "usdcIn"] += 1;
    }
    // Alternating per account, half the accounts starting each way: within a few of an even split.
    expect(Math.abs(directions.wethIn - directions.usdcIn)).toBeLessThanOrEqual(4);
    expect(m.byType["uniswap-swap"]).toMatchObject({ reverted: 0, failed: 0 });
    figures["uniswap-swap"] = { confirmed: m.txConfirmed, sent: m.txSent, avgGas: m.byType["uniswap-swap"].avgGasUsed, ...directions };
  });

  it("set-code: type-4 transactions delegate a fresh account each to Delegate, whose ping() runs in it at once", async () => {
    const { m, fromBlock } = await startRun({ transactionType: "set-code" });
    const delegate = m.contracts.delegate!.toLowerCase();
    const head = await blockNumber();
    let typed4 = 0;
    for (let n = m.startBlock! + 1; n <= head; n++) {
      const block = await chainRpc<{ transactions: Array<{ hash: string; from: string; to: string; type: string; authorizationList?: Array<{ address: string }> }> }>("eth_getBlockByNumber", [`0x${n.toString(16)}`, true]);
      for (const tx of block.transactions) {
        if (tx.from.toLowerCase() === DEV_FUNDER || tx.to.toLowerCase() === tx.from.toLowerCase()) continue;
        expect(tx.type).toBe("0x4");
        expect(tx.authorizationList?.map((a) => a.address.toLowerCase())).toEqual([delegate]);
        const receipt = await chainRpc<Receipt>("eth_getTransactionReceipt", [tx.hash]);
        expect(receipt.status).toBe("0x1");
        // The delegated code ran in the fresh account: the event comes from it.
        const [ev] = events({ ...receipt, logs: receipt.logs.filter((l) => l.address.toLowerCase() === tx.to.toLowerCase()) }, ABI.delegate);
        expect(ev.eventName).toBe("Pinged");
        if (typed4 < 3) expect((await chainRpc<string>("eth_getCode", [tx.to, "latest"])).toLowerCase()).toBe(`0xef0100${delegate.slice(2)}`);
        typed4 += 1;
      }
    }
    expect(typed4).toBe(m.txConfirmed);
    expect(fromBlock).toBeLessThan(head);
    figures["set-code"] = { confirmed: m.txConfirmed, sent: m.txSent, avgGas: m.byType["set-code"].avgGasUsed };
    console.log(`contract types: ${JSON.stringify(figures)}`);
  });
});
