/**
 * POST /v1/recycle against the real anvil, in order: it is refused while a run is live (the run
 * also funds the senders), a sweep the node forgets makes it partial, the next one sweeps every
 * sender to nothing and the funder gets the sum less the fees, and a last one finds nothing to do.
 */
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { app } from "../../src/api/app";
import { senderAccount } from "../../src/account/keys";
import { DEV_MNEMONIC } from "../../src/config";
import type { RecycleResult } from "../../src/run/recycle";
import { DEV_FUNDER, anvilUrl, api, apiJson, auditChain, blockNumber, chainRpc, setFaults, stopLiveRun, waitForRun } from "./helpers";

const balanceOf = async (address: string) => BigInt(await chainRpc<string>("eth_getBalance", [address, "latest"]));

/** Sender `index`'s address, derived as the product does on the dev chain (the funder's mnemonic, account 1). */
const senderAddress = (index: number) => senderAccount({ kind: "mnemonic", mnemonic: DEV_MNEMONIC }, index).address.toLowerCase();

/** Balances of senders 0..count-1, in one JSON-RPC batch to anvil itself. */
async function balances(count: number): Promise<bigint[]> {
  const calls = Array.from({ length: count }, (_, i) => ({ jsonrpc: "2.0", id: i, method: "eth_getBalance", params: [senderAddress(i), "latest"] }));
  const answers = (await (await fetch(anvilUrl(), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(calls) })).json()) as Array<{ id: number; result: string }>;
  return answers.sort((a, b) => a.id - b.id).map((a) => BigInt(a.result));
}

const sum = (values: bigint[]) => values.reduce((a, b) => a + b, 0n);

async function recycle(bindings?: object): Promise<{ status: number; body: RecycleResult & { details?: unknown } }> {
  const init = { method: "POST", headers: { "content-type": "application/json" }, body: "{}" };
  const response = bindings ? await app.request("/v1/recycle", init, bindings) : await api("/v1/recycle", init);
  return { status: response.status, body: (await response.json()) as RecycleResult };
}

describe("POST /v1/recycle", () => {
  afterEach(async () => {
    await setFaults({});
    await stopLiveRun();
  });

  it("validates its body and needs the token when one is set", async () => {
    const refused = await app.request("/v1/recycle", { method: "POST", headers: { "content-type": "application/json" }, body: '{"accounts":3}' }, { ...env, BUILDER_RPC_URL: "http://127.0.0.1:9" });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { details: Array<{ field: string }> }).details.map((d) => d.field)).toEqual(["accounts"]);
    const guarded = await app.request("/v1/recycle", { method: "POST" }, { ...env, API_TOKEN: "s3cret" });
    expect(guarded.status).toBe(401);
    expect(await guarded.text()).not.toContain("s3cret");
  });

  it("is refused with 409 while a run is live, and the run is untouched by it", async () => {
    const { body } = await apiJson("/v1/start", { method: "POST", json: { pattern: "constant", durationSec: 4, numAccounts: 6, constantRate: 10, name: "recycle: busy" } });
    await waitForRun(body.runId, (m) => m.status === "running" && m.txSent > 0);
    const busy = await recycle();
    expect(busy.status).toBe(409);
    expect(busy.body.details).toEqual({ runId: body.runId });
    const m = await waitForRun(body.runId);
    expect(m).toMatchObject({ status: "completed", verification: { verified: true } });
  });

  it("holds the lock while it waits, and answers partial with the reason when sweeps are not mined in time (the node forgets them)", async () => {
    const fromBlock = await blockNumber();
    await setFaults({ blackhole: 1 });
    const recycling = recycle({ ...env, RECYCLE_WAIT_MS: "2000" });
    // While it waits for its sweeps it holds the one-run lock: a start is refused.
    await new Promise((r) => setTimeout(r, 1_000));
    const start = await apiJson("/v1/start", { method: "POST", json: { pattern: "constant", durationSec: 1, constantRate: 1 } });
    expect(start.status).toBe(409);
    const { status, body } = await recycling;
    await setFaults({});
    expect(status).toBe(200);
    expect(body.status).toBe("partial");
    expect(body.recycled).toBe(0);
    expect(body.failed).toBeGreaterThanOrEqual(6);
    expect(body.error).toMatch(new RegExp(`${body.failed} of ${body.accounts} accounts not swept: ${body.failed} × sweep not mined within 2000 ms`));
    // Nothing reached the chain, and the lock is released.
    expect((await auditChain(fromBlock)).loadTransactions).toBe(0);
    expect((await apiJson("/v1/history?limit=100")).body.runs.some((r: { status: string }) => r.status === "recycling")).toBe(false);
  });

  it("sweeps every sender of earlier runs to below one fee; the funder gets the sum less the fees; nonces contiguous, pool empty", async () => {
    const fromBlock = await blockNumber();
    const funderBefore = await balanceOf(DEV_FUNDER);
    // Senders are indexes 0..n-1 (the largest run's); n is what the answer reports.
    const probe = await balances(200);
    const { status, body } = await recycle();
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: "success", failed: 0, funder: expect.stringMatching(/^0x/i) });
    expect(body.funder.toLowerCase()).toBe(DEV_FUNDER);
    expect(body.error).toBeUndefined();
    expect(body.recycled).toBeGreaterThanOrEqual(6);
    expect(body.recycled + body.skipped).toBe(body.accounts);
    expect(body.accounts).toBeLessThanOrEqual(probe.length);
    const before = probe.slice(0, body.accounts);
    const after = await balances(body.accounts);
    const fee = BigInt(body.feeWei);
    for (const balance of after) expect(balance).toBeLessThan(fee);
    // Each swept account paid exactly one fee and sent the rest; skipped ones kept what they had.
    expect(sum(before)).toBe(BigInt(body.returnedWei) + BigInt(body.recycled) * fee + sum(after));
    expect((await balanceOf(DEV_FUNDER)) - funderBefore).toBe(BigInt(body.returnedWei));

    const audit = await auditChain(fromBlock);
    expect(audit.gaps).toEqual([]);
    expect(audit.poolPending + audit.poolQueued).toBe(0);
    expect(audit.loadTransactions).toBe(body.recycled);
    expect(audit.senderTransactions).toBe(body.recycled);
    console.log(`recycle: ${JSON.stringify(body)}`);
  });

  it("a second recycle finds nothing above the fee: success, nothing swept", async () => {
    const fromBlock = await blockNumber();
    const { status, body } = await recycle();
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: "success", recycled: 0, failed: 0, returnedWei: "0" });
    expect(body.skipped).toBe(body.accounts);
    expect((await auditChain(fromBlock)).loadTransactions).toBe(0);
  });
});
