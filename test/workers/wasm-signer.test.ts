/**
 * The WebAssembly signer against viem's, the oracle: the same raw bytes (so the same hash) for every
 * transaction type the builders make, as EIP-1559 and as legacy, for a set-code transaction with its
 * authorization, and for hundreds of seeded-random keys and fields; the signature recovers to the
 * account; and anvil mines what it signs.
 */
import { describe, expect, it } from "vitest";
import {
  bytesToHex,
  keccak256,
  parseTransaction,
  recoverTransactionAddress,
  serializeTransaction,
  type Address,
  type Hex,
  type TransactionSerializable,
  type TransactionSerializableEIP7702,
  type TransactionSerialized,
} from "viem";
import { generatePrivateKey, privateKeyToAccount, type LocalAccount } from "viem/accounts";
import { signerForLayer } from "../../src/account/layer-signer";
import { withSignature } from "../../src/account/signed-rlp";
import { signerFor } from "../../src/account/signer";
import { readConfig, type Env } from "../../src/config";
import { TYPE_SPECS } from "../../src/tx/builders";
import { ethTransfer } from "../../src/tx/eth-transfer";
import { TRANSACTION_TYPES, type LoadContext } from "../../src/tx/types";
import { mulberry32 } from "../support/seeded-random";
import { chainRpc } from "./helpers";

const KEY: Hex = "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba";
const FEES = { maxFeePerGas: "30000000000", maxPriorityFeePerGas: "2000000000" };
const address = (n: number): Address => `0x${n.toString(16).padStart(40, "0")}`;

/** A context every builder can build from: all contracts, NFTs, a swap quote. */
function loadContext(from: Address, nonce: number): LoadContext {
  return {
    chainId: 31337,
    nonce,
    fees: FEES,
    from,
    contracts: {
      erc20: address(0x20),
      erc721: address(0x721),
      gasConsumer: address(0xc0e),
      delegate: address(0xde1),
      weth9: address(0xe7),
      usdc: address(0xc5d),
      uniswapV3Factory: address(0xfac),
      swapRouter: address(0x5a9),
      nonfungiblePositionManager: address(0x9f3),
      uniswapPool: address(0x9001),
    },
    seq: nonce,
    nftIds: ["17", "4", "230"],
    swap: { minUsdcOut: "1000", minWethOut: "2000" },
    gas: 123_456n,
  };
}

/** Signs `tx` with both signers and asserts the same bytes, hash and recovered sender. */
async function expectSameAsViem(tx: TransactionSerializable, wasm: LocalAccount, viem: LocalAccount): Promise<TransactionSerialized> {
  const [mine, oracle] = await Promise.all([wasm.signTransaction(tx), viem.signTransaction(tx)]);
  expect(mine).toBe(oracle);
  expect(keccak256(mine)).toBe(keccak256(oracle));
  expect(await recoverTransactionAddress({ serializedTransaction: mine as TransactionSerialized })).toBe(viem.address);
  return mine as TransactionSerialized;
}

describe("the wasm signer", () => {
  const viem = privateKeyToAccount(KEY);
  const wasm = signerFor(KEY, "wasm");

  it("is viem's account in everything but signTransaction", async () => {
    expect(wasm.address).toBe(viem.address);
    expect(wasm.publicKey).toBe(viem.publicKey);
    expect(wasm.signTransaction).not.toBe(viem.signTransaction);
    expect(await wasm.signMessage({ message: "hello" })).toBe(await viem.signMessage({ message: "hello" }));
  });

  it("is the default signer; SIGNER=viem selects viem's", () => {
    expect(readConfig({} as Env).signer).toBe("wasm");
    expect(readConfig({ SIGNER: "viem" } as Env).signer).toBe("viem");
    expect(readConfig({ SIGNER: "fast" } as Env).signer).toBe("wasm");
  });

  for (const type of TRANSACTION_TYPES) {
    it(`signs ${type} as viem does`, async () => {
      const build = TYPE_SPECS[type].build;
      expect(build, `${type} has no builder`).toBeDefined();
      const tx = await build!(loadContext(viem.address, 41));
      await expectSameAsViem(tx, wasm, viem);
    });
  }

  it("signs a set-code transaction with its authorization list as viem does, the authorization untouched", async () => {
    const tx = await TYPE_SPECS["set-code"].build!(loadContext(viem.address, 3));
    const { authorizationList } = tx as TransactionSerializableEIP7702;
    expect(authorizationList).toHaveLength(1);
    const parsed = parseTransaction(await expectSameAsViem(tx, wasm, viem)) as TransactionSerializableEIP7702;
    expect(parsed.type).toBe("eip7702");
    expect(parsed.authorizationList).toEqual(authorizationList);
  });

  it("signs every type with a legacy form as legacy (EIP-155 v from the chain id) through the layer signer", async () => {
    const legacyWasm = signerForLayer(wasm, true);
    const legacyViem = signerForLayer(viem, true);
    let signed = 0;
    for (const type of TRANSACTION_TYPES.filter((t) => t !== "set-code")) {
      const tx = await TYPE_SPECS[type].build!(loadContext(viem.address, 7));
      const raw = await expectSameAsViem(tx, legacyWasm, legacyViem);
      const parsed = parseTransaction(raw);
      expect(parsed.type).toBe("legacy");
      expect([31337n * 2n + 35n, 31337n * 2n + 36n]).toContain(parsed.v);
      signed++;
    }
    expect(signed).toBe(TRANSACTION_TYPES.length - 1);
  });

  it("signs a legacy transaction without a chain id (pre-EIP-155, v 27 or 28) as viem does", async () => {
    for (let nonce = 0; nonce < 8; nonce++) {
      const raw = await expectSameAsViem({ type: "legacy", nonce, to: address(0xdead), value: 1n, gas: 21_000n, gasPrice: 7n }, wasm, viem);
      expect([27n, 28n]).toContain(parseTransaction(raw).v);
    }
  });

  it("takes viem's serializer option", async () => {
    const tx = ethTransfer({ chainId: 31337, nonce: 5, fees: FEES, from: viem.address });
    const serializer = (t: TransactionSerializable, signature?: Parameters<typeof serializeTransaction>[1]) => serializeTransaction({ ...t, nonce: 99 }, signature);
    const [mine, oracle] = await Promise.all([wasm.signTransaction(tx, { serializer }), viem.signTransaction(tx, { serializer })]);
    expect(mine).toBe(oracle);
    expect(parseTransaction(mine).nonce).toBe(99);
  });

  it("matches viem for 400 seeded-random keys, types, chains, nonces, values, fees and calldata", async () => {
    const random = mulberry32(0x9a5e);
    const bytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(random() * 256));
    const big = (maxBytes: number) => BigInt(bytesToHex(bytes(1 + Math.floor(random() * maxBytes))));
    const CHAINS = [1, 10, 8453, 31337, 84532, 11155111, 2 ** 31 - 1];
    const counts: Record<string, number> = {};
    for (let i = 0; i < 400; i++) {
      const key = bytesToHex(bytes(32));
      const viemSigner = privateKeyToAccount(key);
      const wasmSigner = signerFor(key, "wasm");
      const common = {
        chainId: CHAINS[Math.floor(random() * CHAINS.length)],
        nonce: Math.floor(random() * 2 ** 32),
        to: random() < 0.1 ? undefined : bytesToHex(bytes(20)),
        value: random() < 0.3 ? 0n : big(12),
        gas: big(4),
        data: random() < 0.3 ? undefined : bytesToHex(bytes(Math.floor(random() * 300))),
      };
      const fee = big(8);
      const kind = ["eip1559", "legacy", "eip2930", "legacy-no-chain"][Math.floor(random() * 4)];
      const accessList = [{ address: bytesToHex(bytes(20)), storageKeys: [bytesToHex(bytes(32))] }];
      const tx: TransactionSerializable =
        kind === "eip1559"
          ? { ...common, type: "eip1559", maxFeePerGas: fee, maxPriorityFeePerGas: fee / 3n }
          : kind === "eip2930"
            ? { ...common, type: "eip2930", gasPrice: fee, accessList }
            : kind === "legacy"
              ? { ...common, type: "legacy", gasPrice: fee }
              : { ...common, chainId: undefined, type: "legacy", gasPrice: fee };
      await expectSameAsViem(tx, wasmSigner, viemSigner);
      counts[kind] = (counts[kind] ?? 0) + 1;
    }
    // Each kind drawn often enough to mean something.
    for (const kind of ["eip1559", "legacy", "eip2930", "legacy-no-chain"]) expect(counts[kind]).toBeGreaterThan(60);
  });

  it("splices signatures whose r or s starts with zero bytes, and short unsigned lists, as viem encodes them", async () => {
    // The signature is appended to the unsigned bytes (signed-rlp.ts): r and s lose their leading
    // zero bytes there, and an unsigned list under 56 bytes has a one-byte header. About one
    // signature in 128 has a leading zero byte in r or s: search nonces until both kinds were signed.
    let zeroR = 0;
    let zeroS = 0;
    for (let nonce = 0; nonce < 5_000 && (zeroR < 2 || zeroS < 2); nonce++) {
      // No recipient, no value, no data: the unsigned list is well under 56 bytes.
      const tx: TransactionSerializable = { type: "eip1559", chainId: 1, nonce, gas: 21_000n, maxFeePerGas: 7n, maxPriorityFeePerGas: 1n };
      const raw = await expectSameAsViem(tx, wasm, viem);
      const { r, s } = parseTransaction(raw);
      if (BigInt(r!) < 2n ** 248n) zeroR += 1;
      if (BigInt(s!) < 2n ** 248n) zeroS += 1;
    }
    expect(zeroR).toBeGreaterThanOrEqual(2);
    expect(zeroS).toBeGreaterThanOrEqual(2);
  });

  it("splices the signature into EIP-2930, EIP-1559 and EIP-7702 bytes, and leaves legacy ones to the serialiser", async () => {
    const signature = { r: `0x00${"ab".repeat(31)}` as Hex, s: `0x${"7f".repeat(32)}` as Hex, yParity: 1 as const };
    const common = { chainId: 8453, nonce: 9, to: address(0xbeef), gas: 50_000n, data: "0x1234" as Hex };
    const typed: TransactionSerializable[] = [
      { ...common, type: "eip2930", gasPrice: 5n, accessList: [{ address: address(1), storageKeys: [`0x${"11".repeat(32)}`] }] },
      { ...common, type: "eip1559", maxFeePerGas: 9n, maxPriorityFeePerGas: 2n },
      { ...common, type: "eip7702", maxFeePerGas: 9n, maxPriorityFeePerGas: 2n, authorizationList: [{ address: address(0xde1), chainId: 8453, nonce: 3, r: signature.s, s: signature.r, yParity: 0 }] },
    ];
    for (const tx of typed) {
      for (const yParity of [0, 1] as const) {
        expect(withSignature(serializeTransaction(tx), { ...signature, yParity })).toBe(serializeTransaction(tx, { ...signature, yParity }));
      }
    }
    expect(withSignature(serializeTransaction({ ...common, type: "legacy", gasPrice: 5n }), signature)).toBeUndefined();
  });

  it("refuses an invalid key before it signs anything", () => {
    expect(() => signerFor(`0x${"00".repeat(32)}`, "wasm")).toThrow();
    expect(() => signerFor(`0x${"ff".repeat(32)}`, "wasm")).toThrow();
  });
});

describe("the wasm signer on a real chain", () => {
  it("signs an EIP-1559 and a legacy transfer that anvil accepts and mines from the account", async () => {
    const account = signerFor(generatePrivateKey(), "wasm");
    await chainRpc("anvil_setBalance", [account.address, "0x56bc75e2d63100000"]);
    const nonce = Number(await chainRpc<string>("eth_getTransactionCount", [account.address, "pending"]));
    const chainId = Number(await chainRpc<string>("eth_chainId"));
    const fees = { maxFeePerGas: "50000000000", maxPriorityFeePerGas: "1000000000" };
    const raws = [
      await account.signTransaction(ethTransfer({ chainId, nonce, fees, from: account.address })),
      await signerForLayer(account, true).signTransaction(ethTransfer({ chainId, nonce: nonce + 1, fees, from: account.address })),
    ];
    for (const raw of raws) expect(await chainRpc<Hex>("eth_sendRawTransaction", [raw])).toBe(keccak256(raw));
    for (const [i, raw] of raws.entries()) {
      let receipt: { status: Hex; from: Address; type: Hex } | null = null;
      for (let tries = 0; tries < 60 && !receipt; tries++) {
        receipt = await chainRpc("eth_getTransactionReceipt", [keccak256(raw)]);
        if (!receipt) await new Promise((r) => setTimeout(r, 250));
      }
      expect(receipt, `transaction ${i} was not mined`).not.toBeNull();
      expect(receipt!.status).toBe("0x1");
      expect(receipt!.from.toLowerCase()).toBe(account.address.toLowerCase());
      expect(receipt!.type).toBe(i === 0 ? "0x2" : "0x0");
    }
    expect(Number(await chainRpc<string>("eth_getTransactionCount", [account.address, "latest"]))).toBe(nonce + 2);
  });
});
