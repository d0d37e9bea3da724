/**
 * The walking skeleton's contract, exactly as a user meets it: migrations applied with wrangler,
 * `wrangler dev --var …` pointed at a plain anvil with 1 s blocks, one constant run over HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { followRun, getJson, startRun } from "../../scripts/lib/client";
import { jsonRpc } from "../../scripts/lib/json-rpc";
import { startLocalStack, type LocalStack } from "../../scripts/lib/local-stack";
import { auditChain } from "../support/chain-audit";

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ blockTimeSec: 1 });
});

afterAll(async () => {
  await stack?.stop();
});

describe("wrangler dev against anvil", () => {
  it("completes 100 tps for 15 s over 20 accounts with every count matching the chain", async () => {
    const fromBlock = Number(await jsonRpc<string>(stack.rpcUrl, "eth_blockNumber"));
    const runId = await startRun(stack.apiUrl, {
      pattern: "constant",
      durationSec: 15,
      numAccounts: 20,
      transactionType: "eth-transfer",
      constantRate: 100,
    });
    const m = await followRun(stack.apiUrl, runId, () => {}, 500, 120_000);
    expect(m.status).toBe("completed");
    expect(m.txConfirmed).toBeGreaterThanOrEqual(1350);
    expect(m.txConfirmed).toBeLessThanOrEqual(1650);
    expect(m.txSent).toBe(m.txConfirmed + m.txFailed + m.txDiscarded);

    const audit = await auditChain(stack.rpcUrl, fromBlock);
    expect(audit.gaps).toEqual([]);
    expect(audit.senders).toBe(20);
    expect(audit.loadTransactions).toBe(m.txConfirmed);
    expect(audit.poolPending + audit.poolQueued).toBe(0);

    const history = await getJson<{ runs: Array<{ id: string; status: string }>; total: number }>(`${stack.apiUrl}/v1/history`);
    expect(history.runs.find((r) => r.id === runId)?.status).toBe("completed");
  });
});
