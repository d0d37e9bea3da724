/** Reading contract views in JSON-RPC batches: one eth_call per item. */
import { decodeFunctionResult, encodeFunctionData, parseAbi, type Address, type Hex } from "viem";
import type { JsonRpcClient } from "./rpc";

/** ERC-20 and ERC-721 share it. */
const BALANCE_OF = parseAbi(["function balanceOf(address owner) view returns (uint256)"]);

/** `balanceOf(owner)` of an ERC-20 or ERC-721 `token`, for every owner. */
export async function balancesOf(rpc: JsonRpcClient, token: Address, owners: readonly string[]): Promise<bigint[]> {
  const outcomes = await rpc.batch<Hex>(
    owners.map((owner) => ({ method: "eth_call", params: [{ to: token, data: encodeFunctionData({ abi: BALANCE_OF, functionName: "balanceOf", args: [owner as Address] }) }, "latest"] })),
  );
  return outcomes.map((o) => {
    if (!o.ok) throw o.error;
    return decodeFunctionResult({ abi: BALANCE_OF, functionName: "balanceOf", data: o.result });
  });
}

/** The node's gas estimate for a call from `from`. */
export async function estimateGas(rpc: JsonRpcClient, from: Address, to: Address, data: Hex, value = 0n): Promise<bigint> {
  return BigInt(await rpc.call<string>("eth_estimateGas", [{ from, to, data, value: `0x${value.toString(16)}` }]));
}
