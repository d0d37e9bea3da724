/**
 * Deterministic key derivation. Sender keys are derived from a secret and an index every time an
 * object needs them; no private key is ever written to storage, D1, a log or a response.
 */
import { mnemonicToSeedSync } from "@scure/bip39";
import { concat, keccak256, toHex, type Hex } from "viem";
import { HDKey, hdKeyToAccount, privateKeyToAccount, type LocalAccount } from "viem/accounts";
import type { FunderSource } from "../config";

// PBKDF2 over a mnemonic costs tens of milliseconds; derive each master key once per isolate.
const masterKeys = new Map<string, HDKey>();

function masterKey(mnemonic: string): HDKey {
  let key = masterKeys.get(mnemonic);
  if (!key) {
    key = HDKey.fromMasterSeed(mnemonicToSeedSync(mnemonic.trim()));
    masterKeys.set(mnemonic, key);
  }
  return key;
}

export function funderAccount(source: FunderSource): LocalAccount {
  if (source.kind === "mnemonic") return hdKeyToAccount(masterKey(source.mnemonic), { accountIndex: 0, addressIndex: 0 });
  try {
    return privateKeyToAccount(source.privateKey);
  } catch {
    // The library's message can quote the key (out of range: "got <the key in decimal>"): never pass it on.
    throw new Error("FUNDER_PRIVATE_KEY is not a valid private key: 32 bytes of hex, between 1 and the secp256k1 order");
  }
}

/**
 * Sender `index`'s private key: from ACCOUNTS_MNEMONIC (account 0) when set, else from the funder
 * mnemonic's account 1 (never the funder's own path), else hashed from the funder key and the index.
 */
export function senderKey(source: FunderSource, index: number): Hex {
  if (source.accountsMnemonic) return childKey(source.accountsMnemonic, `m/44'/60'/0'/0/${index}`);
  if (source.kind === "mnemonic") return childKey(source.mnemonic, `m/44'/60'/1'/0/${index}`);
  return keccak256(concat([source.privateKey, toHex("loadgen-sender"), toHex(index, { size: 32 })]));
}

/** Sender `index` (see `senderKey`) as viem's account: its address, and viem's signer (the worker's own is signer.ts `senderSigner`). */
export function senderAccount(source: FunderSource, index: number): LocalAccount {
  return privateKeyToAccount(senderKey(source, index));
}

function childKey(mnemonic: string, path: string): Hex {
  const key = masterKey(mnemonic).derive(path).privateKey;
  if (!key) throw new Error("derived key has no private part");
  return toHex(key);
}
