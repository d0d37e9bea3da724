/**
 * Validation of the realistic pattern's request: its config, the type ratios and the tip range.
 *
 * Requests go through the app with a builder URL nothing answers on: one that validation lets
 * through stops at the chain-id probe (503) and never starts a run on the shared anvil.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { app } from "../../src/api/app";

const REALISTIC = { pattern: "realistic", durationSec: 5, realisticConfig: { targetTps: 20 } } as const;

interface Answer {
  status: number;
  error: string;
  fields: string[];
  messages: string[];
}

async function start(body: unknown): Promise<Answer> {
  const init = { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
  const response = await app.request("/v1/start", init, { ...env, BUILDER_RPC_URL: "http://127.0.0.1:9" });
  const json = (await response.json()) as { error: string; details?: Array<{ field: string; message: string }> };
  const details = json.details ?? [];
  return { status: response.status, error: json.error, fields: details.map((d) => d.field), messages: details.map((d) => d.message) };
}

const withConfig = (config: Record<string, unknown>) => ({ ...REALISTIC, realisticConfig: { ...REALISTIC.realisticConfig, ...config } });

describe("realistic pattern: accepted requests", () => {
  for (const [name, config] of [
    ["the bare config", {}],
    ["ratios summing to 100, a type at 0", { txTypeRatios: { ethTransfer: 60, erc20Transfer: 40, uniswapSwap: 0 } }],
    ["fractional ratios summing to 100", { txTypeRatios: { ethTransfer: 33.3, storageWrite: 33.3, heavyCompute: 33.4 } }],
    ["minTipGwei equal to maxTipGwei", { minTipGwei: 2, maxTipGwei: 2, tipDistribution: "power-law" }],
  ] as const) {
    it(`${name}: passes validation (503 at the chain-id probe)`, async () => {
      const answer = await start(withConfig(config));
      expect(answer.status).toBe(503);
      expect(answer.error).toMatch(/eth_chainId/);
    });
  }
});

describe("realistic pattern: refused requests name their field", () => {
  it("pattern realistic without realisticConfig", async () => {
    const { realisticConfig: _omit, ...rest } = REALISTIC;
    const answer = await start(rest);
    expect(answer.status).toBe(400);
    expect(answer.fields).toEqual(["realisticConfig"]);
    expect(answer.messages[0]).toMatch(/required when pattern is realistic/);
    expect(answer.error).toContain("realisticConfig");
  });

  it("realisticConfig without targetTps", async () => {
    const answer = await start({ ...REALISTIC, realisticConfig: { minTipGwei: 1 } });
    expect(answer.status).toBe(400);
    expect(answer.fields).toEqual(["realisticConfig.targetTps"]);
  });

  for (const [name, ratios, sum] of [
    ["below 100", { ethTransfer: 50, erc20Transfer: 40 }, 90],
    ["above 100", { ethTransfer: 50, erc20Transfer: 40, storageWrite: 20 }, 110],
    ["all zero", { ethTransfer: 0 }, 0],
  ] as const) {
    it(`txTypeRatios summing ${name}`, async () => {
      const answer = await start(withConfig({ txTypeRatios: ratios }));
      expect(answer.status).toBe(400);
      expect(answer.fields).toEqual(["realisticConfig.txTypeRatios"]);
      expect(answer.messages[0]).toBe(`must sum to 100 (they sum to ${sum})`);
    });
  }

  it("txTypeRatios with an unknown key", async () => {
    const answer = await start(withConfig({ txTypeRatios: { ethTransfer: 100, nftMint: 0 } }));
    expect(answer.status).toBe(400);
    expect(answer.fields).toEqual(["realisticConfig.txTypeRatios.nftMint"]);
    expect(answer.error).toContain("nftMint");
  });

  it("txTypeRatios with a kebab-case key (the type name, not the ratio key)", async () => {
    const answer = await start(withConfig({ txTypeRatios: { "eth-transfer": 100 } }));
    expect(answer.status).toBe(400);
    expect(answer.fields).toContain("realisticConfig.txTypeRatios.eth-transfer");
  });

  it("a negative share", async () => {
    const answer = await start(withConfig({ txTypeRatios: { ethTransfer: 110, erc20Transfer: -10 } }));
    expect(answer.status).toBe(400);
    expect(answer.fields).toContain("realisticConfig.txTypeRatios.erc20Transfer");
  });

  it("maxTipGwei below minTipGwei", async () => {
    const answer = await start(withConfig({ minTipGwei: 3, maxTipGwei: 2 }));
    expect(answer.status).toBe(400);
    expect(answer.fields).toEqual(["realisticConfig.maxTipGwei"]);
    expect(answer.messages[0]).toMatch(/minTipGwei/);
  });

  it("an unknown tip distribution", async () => {
    const answer = await start(withConfig({ tipDistribution: "normal" }));
    expect(answer.status).toBe(400);
    expect(answer.fields).toEqual(["realisticConfig.tipDistribution"]);
  });
});
