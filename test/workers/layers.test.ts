/** The layer registry's pure parts: detection from real client versions, the override, legacy signing. */
import { describe, expect, it } from "vitest";
import { parseTransaction, recoverTransactionAddress, type TransactionSerializedLegacy } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { EXECUTION_LAYERS, LAYER_NAMES, chooseLayer, detectLayer, needsLegacy, parseLayerSetting } from "../../src/chain/layers";
import { asLegacy, signerForLayer } from "../../src/account/layer-signer";
import { feeCap } from "../../src/chain/node-queries";
import { ethTransfer, selfTransfer } from "../../src/tx/eth-transfer";
import { CLIENT_VERSIONS } from "./fixtures/client-versions";

describe("detectLayer", () => {
  it.each(CLIENT_VERSIONS)("$clientVersion → $layer ($client)", ({ clientVersion, layer, client, version }) => {
    expect(detectLayer(clientVersion)).toEqual({ layer, client, version, clientVersion });
  });

  it("takes surrounding blanks and odd case in its stride", () => {
    expect(detectLayer("  ANVIL/v1.7.1 \n")).toMatchObject({ layer: "anvil", clientVersion: "ANVIL/v1.7.1" });
    expect(detectLayer("")).toEqual({ layer: "generic", client: "unknown", version: null, clientVersion: "" });
  });

  it("does not take a name that merely contains a known one", () => {
    expect(detectLayer("bera-reth/v1.0.0/linux").layer).toBe("generic");
    expect(detectLayer("not-anvil/v1").layer).toBe("generic");
  });
});

describe("the registry", () => {
  it("has every layer of PRODUCT.md §8 once, and only cdk-erigon needs legacy transactions", () => {
    expect(EXECUTION_LAYERS.map((l) => l.name)).toEqual([...LAYER_NAMES]);
    expect(LAYER_NAMES.filter((name) => needsLegacy(name))).toEqual(["cdk-erigon"]);
    expect(needsLegacy(undefined)).toBe(false);
    const builders = EXECUTION_LAYERS.filter((l) => l.capabilities.externalBuilder).map((l) => l.name);
    expect(builders).toEqual(["reth", "op-reth"]);
  });
});

describe("EXECUTION_LAYER", () => {
  it("is detect when unset or blank, a layer when it names one (any case), invalid otherwise", () => {
    expect(parseLayerSetting(undefined)).toEqual({ kind: "detect" });
    expect(parseLayerSetting("  ")).toEqual({ kind: "detect" });
    expect(parseLayerSetting("CDK-Erigon")).toEqual({ kind: "forced", layer: "cdk-erigon" });
    expect(parseLayerSetting("erigon")).toEqual({ kind: "invalid", value: "erigon" });
  });

  it("wins over detection; detection wins over the fallback, which says why", () => {
    const anvil = { clientVersion: "anvil/v1.7.1" };
    expect(chooseLayer({ kind: "forced", layer: "cdk-erigon" }, anvil)).toMatchObject({ layer: "cdk-erigon", source: "forced", detection: { layer: "anvil" } });
    expect(chooseLayer({ kind: "detect" }, anvil)).toMatchObject({ layer: "anvil", source: "detected" });
    expect(chooseLayer({ kind: "detect" }, { reason: "web3_clientVersion failed: connection refused" })).toEqual({
      layer: "reth",
      source: "fallback",
      detection: null,
      reason: "web3_clientVersion failed: connection refused",
    });
  });
});

describe("the legacy fee cap", () => {
  const gwei = 1_000_000_000n;

  it("keeps 2 × base fee + tip of room and never goes under eth_gasPrice", () => {
    expect(feeCap(3n * gwei, 2n * gwei, gwei, true)).toBe(5n * gwei);
    // A node with its own pricer and no base fee (cdk-erigon): its price, or the tip.
    expect(feeCap(7n * gwei, 0n, gwei, true)).toBe(7n * gwei);
    expect(feeCap(0n, 0n, gwei, true)).toBe(gwei);
  });

  it("settles where an oracle that follows paid tips settles, where paying the §4 cap in full would double every round", () => {
    // eth_gasPrice = base fee + the tip the last transactions paid (anvil; geth's oracle, roughly).
    const baseFee = 2n * gwei;
    let legacy = feeCap(baseFee + gwei, baseFee, gwei, true);
    let fullCap = feeCap(baseFee + gwei, baseFee, gwei);
    for (let round = 0; round < 5; round++) {
      legacy = feeCap(baseFee + (legacy - baseFee), baseFee, gwei, true);
      fullCap = feeCap(baseFee + (fullCap - baseFee), baseFee, gwei);
    }
    expect(legacy).toBe(5n * gwei);
    expect(fullCap).toBeGreaterThan(100n * gwei);
  });
});

describe("legacy signing", () => {
  const account = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
  const ctx = { chainId: 31337, nonce: 7, fees: { maxFeePerGas: "3000000000", maxPriorityFeePerGas: "1000000000" }, from: account.address };

  it("turns an EIP-1559 transaction into a type-0 one paying maxFeePerGas, with the same payload", () => {
    const tx = ethTransfer(ctx);
    expect(asLegacy(tx)).toEqual({ type: "legacy", chainId: 31337, nonce: 7, to: tx.to, value: 1n, gas: 21_000n, data: undefined, gasPrice: 3_000_000_000n });
  });

  it("refuses what has no legacy form rather than dropping part of it", () => {
    expect(() => asLegacy({ type: "eip7702", chainId: 1, authorizationList: [] } as never)).toThrow(/eip7702/);
  });

  it("signs type 0 (EIP-155, recoverable to the sender) when the layer needs it, and leaves others alone", async () => {
    const legacy = signerForLayer(account, true);
    expect(legacy.address).toBe(account.address);
    const raw = await legacy.signTransaction(selfTransfer(ctx));
    const parsed = parseTransaction(raw);
    expect(parsed).toMatchObject({ type: "legacy", chainId: 31337, nonce: 7, gasPrice: 3_000_000_000n, to: account.address.toLowerCase() });
    expect(await recoverTransactionAddress({ serializedTransaction: raw as TransactionSerializedLegacy })).toBe(account.address);
    expect(signerForLayer(account, false)).toBe(account);
    const raw1559 = await signerForLayer(account, false).signTransaction(ethTransfer(ctx));
    expect(parseTransaction(raw1559).type).toBe("eip1559");
  });
});
