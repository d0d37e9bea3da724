/**
 * Validation of a start request's regions and region weights: a 400 naming the field.
 *
 * Requests go through the app with a builder URL nothing answers on: one that validation lets
 * through stops at the chain-id probe (503) and never starts a run on the shared anvil.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { app } from "../../src/api/app";

const VALID = { pattern: "constant", durationSec: 5, constantRate: 10 } as const;

async function start(body: unknown): Promise<{ status: number; error: string; fields: string[] }> {
  const init = { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
  const response = await app.request("/v1/start", init, { ...env, BUILDER_RPC_URL: "http://127.0.0.1:9" });
  const json = (await response.json()) as { error: string; details?: Array<{ field: string }> };
  return { status: response.status, error: json.error, fields: (json.details ?? []).map((d) => d.field) };
}

describe("regions and regionWeights: accepted", () => {
  for (const [name, extra] of [
    ["weights over the regions named", { regions: ["weur", "enam", "apac"], regionWeights: { weur: 2, enam: 1, apac: 1 } }],
    ["weights for some of the regions named (the others weigh 1)", { regions: ["weur", "enam"], regionWeights: { weur: 3 } }],
    ["weights alone (they name the regions)", { regionWeights: { weur: 0.5, apac: 1.5 } }],
  ] as const) {
    it(`${name}: passes validation (503 at the chain-id probe)`, async () => {
      const answer = await start({ ...VALID, ...extra });
      expect(answer.status).toBe(503);
      expect(answer.error).toMatch(/eth_chainId/);
    });
  }
});

describe("regions and regionWeights: refused with a 400 naming the field", () => {
  for (const [name, extra, field, message] of [
    ["a weight for a region not in regions", { regions: ["weur", "enam"], regionWeights: { apac: 2 } }, "regionWeights.apac", /not in regions \(weur, enam\)/],
    ["a weight of 0", { regionWeights: { weur: 0, enam: 1 } }, "regionWeights.weur", /too small|>0/i],
    ["a negative weight", { regions: ["weur"], regionWeights: { weur: -1 } }, "regionWeights.weur", /too small|>0/i],
    ["a weight that is not a number", { regionWeights: { weur: "2" } }, "regionWeights.weur", /number/],
    ["a weight for an unknown location hint", { regionWeights: { mars: 1 } }, "regionWeights", /./],
    ["no weight at all", { regionWeights: {} }, "regionWeights", /at least one region/],
    ["a region named twice", { regions: ["weur", "weur"] }, "regions", /twice/],
  ] as const) {
    it(name, async () => {
      const answer = await start({ ...VALID, ...extra });
      expect(answer.status).toBe(400);
      expect(answer.fields[0]).toMatch(new RegExp(`^${field.replace(".", "\\.")}`));
      expect(answer.error).toContain(field);
      expect(answer.error).toMatch(message);
    });
  }
});
