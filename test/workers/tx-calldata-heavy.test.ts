/**
 * `calldata-heavy`: 4 KiB of random calldata per transaction, gas from the calldata itself
 * (EIP-7623's floor of 10 gas a token), sent in a whole run and checked on chain.
 */
import { describe, expect, it } from "vitest";
import { CALLDATA_BYTES, CALLDATA_HEAVY_MAX_GAS, calldataGas, calldataHeavy } from "../../src/tx/calldata-heavy";
import type { TestMetrics } from "../../src/metrics/test-metrics";
import { apiJson, auditChain, blockNumber, chainRpc, ledgerMismatches, waitForRun } from "./helpers";

const ctx = { chainId: 31337, nonce: 7, fees: { maxFeePerGas: "2000000000", maxPriorityFeePerGas: "1000000000" }, from: "0x0000000000000000000000000000000000000001" as const };

describe("calldata-heavy: building", () => {
  it("prices calldata by token: a zero byte is one token, any other four, ten gas a token over 21,000", () => {
    expect(calldataGas(new Uint8Array(CALLDATA_BYTES))).toBe(21_000n + 10n * 4_096n);
    expect(calldataGas(new Uint8Array(CALLDATA_BYTES).fill(0xff))).toBe(CALLDATA_HEAVY_MAX_GAS);
    expect(CALLDATA_HEAVY_MAX_GAS).toBe(184_840n);
    expect(calldataGas(Uint8Array.from([0, 1, 0, 2]))).toBe(21_000n + 10n * 10n);
  });

  it("carries 4 KiB of fresh random bytes, no value, and exactly the gas its bytes cost", () => {
    const a = calldataHeavy(ctx);
    const b = calldataHeavy(ctx);
    expect((a.data!.length - 2) / 2).toBe(CALLDATA_BYTES);
    expect(a.data).not.toBe(b.data);
    expect(a).toMatchObject({ type: "eip1559", nonce: 7, value: 0n, maxFeePerGas: 2_000_000_000n });
    const bytes = Uint8Array.from(Buffer.from(a.data!.slice(2), "hex"));
    expect(a.gas).toBe(calldataGas(bytes));
    expect(a.gas).toBeLessThanOrEqual(CALLDATA_HEAVY_MAX_GAS);
  });
});

describe("calldata-heavy: a run on anvil", () => {
  it("is mined with its 4 KiB intact, every count equal to the chain", async () => {
    const fromBlock = await blockNumber();
    const { status, body } = await apiJson("/v1/start", { method: "POST", json: { pattern: "constant", durationSec: 3, numAccounts: 4, constantRate: 15, transactionType: "calldata-heavy" } });
    expect(status).toBe(200);
    const m = await waitForRun(body.runId);
    expect(m).toMatchObject({ status: "completed", transactionType: "calldata-heavy", txFailed: 0 });
    expect(m.txConfirmed).toBeGreaterThanOrEqual(40);
    expect(m.verification).toMatchObject({ verified: true });
    const audit = await auditChain(fromBlock);
    expect(audit.gaps).toEqual([]);
    expect(audit.poolPending + audit.poolQueued).toBe(0);
    expect(audit.senderTransactions).toBe(m.txConfirmed + m.housekeeping.confirmed);
    expect(await ledgerMismatches(audit, m as TestMetrics)).toEqual([]);

    const { body: txs } = await apiJson(`/v1/history/${body.runId}/transactions?limit=5&status=confirmed`);
    for (const t of txs.transactions as Array<{ hash: string }>) {
      const tx = await chainRpc<{ input: string; gas: string }>("eth_getTransactionByHash", [t.hash]);
      const receipt = await chainRpc<{ status: string; gasUsed: string }>("eth_getTransactionReceipt", [t.hash]);
      expect((tx.input.length - 2) / 2).toBe(CALLDATA_BYTES);
      expect(receipt.status).toBe("0x1");
      // Whatever the hardfork's pricing, 4 KiB of mostly non-zero bytes costs far more than a transfer.
      expect(BigInt(receipt.gasUsed)).toBeGreaterThan(21_000n + 4n * 4_000n);
      expect(BigInt(receipt.gasUsed)).toBeLessThanOrEqual(BigInt(tx.gas));
    }
  });
});
