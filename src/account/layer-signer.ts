/**
 * Signing for the run's execution layer. Builders make EIP-1559 transactions; on a layer that needs
 * legacy ones (cdk-erigon, PRODUCT.md §4) the signer turns each into a type-0 transaction paying
 * gasPrice = maxFeePerGas right before it is signed. One place, whatever built the transaction:
 * load, gap fills, replacements, closes, sweeps and funding all sign through such a signer.
 */
import type { TransactionSerializable, TransactionSerializableLegacy } from "viem";
import type { LocalAccount } from "viem/accounts";

/** The same transfer or call as a legacy transaction; the fee cap becomes the gas price. */
export function asLegacy(tx: TransactionSerializable): TransactionSerializableLegacy {
  if (tx.type === "legacy") return tx;
  if (tx.type !== "eip1559") throw new Error(`a ${tx.type ?? "untyped"} transaction cannot be sent as legacy`);
  if (tx.maxFeePerGas === undefined) throw new Error("an EIP-1559 transaction without maxFeePerGas cannot be sent as legacy");
  const { chainId, nonce, to, value, gas, data } = tx;
  return { type: "legacy", chainId, nonce, to, value, gas, data, gasPrice: tx.maxFeePerGas };
}

/** `account` itself, or, where the layer needs legacy transactions, one that signs them as such. */
export function signerForLayer(account: LocalAccount, legacy: boolean): LocalAccount {
  if (!legacy) return account;
  const signTransaction = ((tx: TransactionSerializable, options?: Parameters<LocalAccount["signTransaction"]>[1]) =>
    account.signTransaction(asLegacy(tx), options)) as LocalAccount["signTransaction"];
  return { ...account, signTransaction };
}
