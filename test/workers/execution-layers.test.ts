/**
 * Execution layers against the real anvil: GET /v1/layers detects it, and a layer that needs legacy
 * transactions (cdk-erigon, forced with EXECUTION_LAYER) gets nothing but type 0 on chain, from an
 * account object's load, replacements, closes and gap fills to a whole run, its funding and a recycle.
 */
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { app } from "../../src/api/app";
import { LAYER_NAMES } from "../../src/chain/layers";
import type { FeeQuote } from "../../src/tx/types";
import { DEV_FUNDER, apiJson, auditChain, blockNumber, chainRpc, expectNothingLost, rpcUrl, setFaults, stopLiveRun, waitForRun } from "./helpers";

interface MinedTx {
  hash: string;
  from: string;
  nonce: string;
  type: string;
  gasPrice: string;
}

/** Every transaction mined after `fromBlock`, read from anvil itself. */
async function minedSince(fromBlock: number): Promise<MinedTx[]> {
  const head = await blockNumber();
  const out: MinedTx[] = [];
  for (let n = fromBlock + 1; n <= head; n++) {
    const block = await chainRpc<{ transactions: MinedTx[] }>("eth_getBlockByNumber", [`0x${n.toString(16)}`, true]);
    out.push(...block.transactions);
  }
  return out;
}

const withLayer = (layer: string) => ({ ...env, EXECUTION_LAYER: layer });

async function request(path: string, bindings: object, init: RequestInit & { json?: unknown } = {}) {
  const { json, ...rest } = init;
  const response = await app.request(path, json === undefined ? rest : { ...rest, method: rest.method ?? "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(json) }, bindings);
  return { status: response.status, body: (await response.json()) as any };
}

describe("GET /v1/layers", () => {
  it("lists every layer with its capabilities and detects the real anvil, under /v1 and unversioned", async () => {
    const anvilVersion = await chainRpc<string>("web3_clientVersion");
    for (const path of ["/v1/layers", "/layers"]) {
      const { status, body } = await apiJson(path);
      expect(status).toBe(200);
      expect(body.layers.map((l: { name: string }) => l.name)).toEqual([...LAYER_NAMES]);
      expect(body.layers.find((l: { name: string }) => l.name === "cdk-erigon").capabilities).toEqual({
        externalBuilder: false,
        preconfirmations: false,
        builderStatus: false,
        blockMetricsWs: false,
        flashblocks: false,
        legacyTransactions: true,
      });
      expect(body.detected).toEqual({ layer: "anvil", client: "anvil", version: anvilVersion.split("/")[1], clientVersion: anvilVersion });
      expect(body.reason).toBeUndefined();
      // wrangler.toml sets EXECUTION_LAYER = "anvil" for local runs.
      expect(body).toMatchObject({ configured: "anvil", active: "anvil" });
    }
  });

  it("detects without an override, and an override wins over what it detects", async () => {
    expect((await request("/v1/layers", withLayer(""))).body).toMatchObject({ configured: null, active: "anvil", detected: { layer: "anvil" } });
    expect((await request("/v1/layers", withLayer("cdk-erigon"))).body).toMatchObject({ configured: "cdk-erigon", active: "cdk-erigon", detected: { layer: "anvil" } });
  });

  it("answers detected: null with a reason when the builder does not answer, never a 500", async () => {
    const { status, body } = await request("/v1/layers", { ...env, BUILDER_RPC_URL: "http://127.0.0.1:9", EXECUTION_LAYER: "" });
    expect(status).toBe(200);
    expect(body.detected).toBeNull();
    expect(body.reason).toMatch(/web3_clientVersion failed/);
    expect(body.active).toBe("reth");
  });

  it("reports an EXECUTION_LAYER that names no layer, and /start refuses it with a 422 naming the variable", async () => {
    const layers = await request("/v1/layers", withLayer("erigon"));
    expect(layers.status).toBe(200);
    expect(layers.body).toMatchObject({ configured: "erigon", active: null, configError: expect.stringMatching(/EXECUTION_LAYER is 'erigon'/) });
    const start = await request("/v1/start", withLayer("erigon"), { json: { pattern: "constant", durationSec: 1, constantRate: 1 } });
    expect(start.status).toBe(422);
    expect(start.body.details).toEqual([{ field: "EXECUTION_LAYER", message: "not a known execution layer" }]);
    expect((await apiJson("/v1/status")).body.status).not.toBe("initializing");
  });

  it("refuses a query it does not take (400 naming it)", async () => {
    const { status, body } = await apiJson("/v1/layers?layer=reth");
    expect(status).toBe(400);
    expect(body.details.map((d: { field: string }) => d.field)).toEqual(["layer"]);
  });
});

describe("legacy transactions (cdk-erigon)", () => {
  afterEach(async () => {
    await setFaults({});
    await stopLiveRun();
  });

  const FEES: FeeQuote = { maxFeePerGas: "20000000000", maxPriorityFeePerGas: "1000000000" };
  const TOO_CHEAP: FeeQuote = { maxFeePerGas: "1", maxPriorityFeePerGas: "1" };

  it("refuses a type with no legacy form (set-code) on a layer that needs legacy, naming the field", async () => {
    const start = await request("/v1/start", withLayer("cdk-erigon"), { json: { pattern: "constant", durationSec: 1, constantRate: 1, transactionType: "set-code" } });
    expect(start.status).toBe(400);
    expect(start.body.details).toEqual([{ field: "transactionType", message: "set-code has no legacy form, and layer cdk-erigon needs legacy transactions" }]);
  });

  it("an account object signs load, replacements, closes and gap fills as type 0 paying the fee cap", async () => {
    const index = 1_900;
    const stub = env.ACCOUNT.get(env.ACCOUNT.idFromName(`layers-test:${index}`));
    const { address } = await stub.prepare({ index, chainId: 31337, rpcUrl: rpcUrl(), legacy: true });
    await chainRpc("anvil_setBalance", [address, "0x56bc75e2d63100000"]);
    const fromBlock = await blockNumber();
    const start = (await stub.syncNonce()).nonce;

    // Nonces start, start+1: the node forgets them (answered, never forwarded), so they are stuck.
    await setFaults({ blackhole: 1 });
    const forgotten = await stub.burst({ mix: [["eth-transfer", 2]], fees: FEES });
    await setFaults({});
    expect(forgotten.sent.map((t) => t.nonce)).toEqual([start, start + 1]);
    // start+2 is refused (below the base fee), rolled back, and left for settle to fill.
    const refused = await stub.burst({ mix: [["eth-transfer", 1]], fees: TOO_CHEAP });
    expect(refused.failed.map((t) => t.nonce)).toEqual([start + 2]);

    const replaced = await stub.replace([start], FEES);
    expect(replaced.replaced?.map((r) => r.nonce)).toEqual([start]);
    const closed = await stub.close([start + 1], FEES);
    expect(closed.sent.map((t) => t.nonce)).toEqual([start + 1]);
    const filled = await stub.settle(FEES);
    expect(filled.sent.map((t) => t.nonce)).toEqual([start + 2]);

    for (let i = 0; i < 40 && Number(await chainRpc<string>("eth_getTransactionCount", [address, "latest"])) < start + 3; i++) await new Promise((r) => setTimeout(r, 250));
    const mine = (await minedSince(fromBlock)).filter((tx) => tx.from.toLowerCase() === address.toLowerCase());
    expect(mine.map((tx) => Number(tx.nonce)).sort((a, b) => a - b)).toEqual([start, start + 1, start + 2]);
    expect(mine.map((tx) => tx.type)).toEqual(["0x0", "0x0", "0x0"]);
    // The replacement and the close bump the forgotten transactions' gas price by 12.5 % (+1 wei).
    const bumped = (20_000_000_000n + 20_000_000_000n / 8n + 1n).toString(16);
    expect(mine.find((tx) => Number(tx.nonce) === start)!.gasPrice).toBe(`0x${bumped}`);
    expect(mine.find((tx) => Number(tx.nonce) === start + 2)!.gasPrice).toBe(`0x${(20_000_000_000n).toString(16)}`);
  });

  // erc20-transfer adds what the funder signs besides funding: the token's deployment (when not
  // cached from an earlier run) and the mints.
  it.each([
    { transactionType: "eth-transfer", numAccounts: 6, constantRate: 30 },
    { transactionType: "erc20-transfer", numAccounts: 4, constantRate: 20 },
  ])("a whole $transactionType run forced to cdk-erigon sends only type-0 transactions, records its layer, and passes the chain audit", async (load) => {
    const fromBlock = await blockNumber();
    const started = await request("/v1/start", withLayer("cdk-erigon"), {
      json: { pattern: "constant", durationSec: 5, ...load, name: "legacy layer" },
    });
    expect(started.status).toBe(200);
    const m = await waitForRun(started.body.runId);
    expect(m.status).toBe("completed");
    // The rate is not what this test is about (run-lifecycle.test.ts holds it); enough to see the mix.
    expect(m.txConfirmed).toBeGreaterThan(40);
    const audit = await auditChain(fromBlock);
    await expectNothingLost(m, audit);

    const mined = await minedSince(fromBlock);
    const types = new Set(mined.map((tx) => tx.type));
    expect([...types]).toEqual(["0x0"]);
    const fromSenders = mined.filter((tx) => tx.from.toLowerCase() !== DEV_FUNDER);
    expect(fromSenders).toHaveLength(m.txConfirmed + m.housekeeping.confirmed);
    const { body } = await apiJson(`/v1/history/${started.body.runId}`);
    expect(body.run.environment).toMatchObject({ executionLayer: "cdk-erigon", layerSource: "forced" });
    // The legacy fee cap must not chase anvil's eth_gasPrice (which follows paid tips) upwards.
    const prices = fromSenders.map((tx) => BigInt(tx.gasPrice));
    const [low, high] = [prices.reduce((a, b) => (a < b ? a : b)), prices.reduce((a, b) => (a > b ? a : b))];
    expect(high).toBeLessThan(2n * low);
    console.log(`legacy ${load.transactionType} run: ${m.txConfirmed} confirmed, ${mined.length - fromSenders.length} funder transactions, all type 0, gas price ${low}..${high} wei`);
  });

  it("a recycle on cdk-erigon sweeps with type-0 transactions too", async () => {
    const fromBlock = await blockNumber();
    const { status, body } = await request("/v1/recycle", withLayer("cdk-erigon"), { json: {} });
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: "success", failed: 0 });
    expect(body.recycled).toBeGreaterThan(0);
    const sweeps = (await minedSince(fromBlock)).filter((tx) => tx.from.toLowerCase() !== DEV_FUNDER);
    expect(sweeps).toHaveLength(body.recycled);
    expect(new Set(sweeps.map((tx) => tx.type))).toEqual(new Set(["0x0"]));
  });
});
