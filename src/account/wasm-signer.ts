/**
 * Transaction signing through libsecp256k1 as WebAssembly: the steps of viem's `signTransaction`
 * (serialise unsigned, keccak256, sign, serialise with the signature), so the raw transaction is
 * byte for byte viem's, with the curve arithmetic, most of a signature's cost, in WebAssembly. A
 * typed transaction is not serialised twice: its signature is spliced into the unsigned bytes.
 */
import { hexToBytes, serializeTransaction, type Hex, type TransactionSerializable } from "viem";
import { keccakOfHex } from "../tx/keccak";
import type { LocalAccount } from "viem/accounts";
import { withSignature } from "./signed-rlp";
import { signHash } from "./wasm-secp256k1";

type SignTransaction = LocalAccount["signTransaction"];

/** `signTransaction` for `privateKey` (checked by the caller), whose bytes stay in this closure. */
export function wasmTransactionSigner(privateKey: Hex): SignTransaction {
  const key = hexToBytes(privateKey);
  const sign = async (transaction: TransactionSerializable, { serializer = serializeTransaction } = {}) => {
    // As viem: a blob transaction's signature covers its payload without the sidecars.
    const signable = transaction.type === "eip4844" ? { ...transaction, sidecars: false as const } : transaction;
    const unsigned = await serializer(signable);
    const { r, s, yParity } = signHash(key, keccakOfHex(unsigned));
    // Only bytes the default serialiser made from an unsigned transaction are spliced.
    const unsignedAsIs = serializer === serializeTransaction && signable === transaction && !("r" in transaction) && !("s" in transaction);
    const spliced = unsignedAsIs ? withSignature(unsigned, { r, s, yParity }) : undefined;
    if (spliced) return spliced;
    // v as viem's `sign` gives it, 27 or 28: the legacy serialiser turns it into EIP-155's v from the
    // transaction's chain id (or keeps it for a transaction without one).
    return serializer(transaction, { r, s, v: yParity ? 28n : 27n, yParity });
  };
  return sign as SignTransaction;
}
