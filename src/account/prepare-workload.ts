/**
 * Readying one account for a run's transaction types: the NFTs it holds (erc721-transfer hands
 * them out one by one) and a gas limit per type that the node agrees with: the table's, unless
 * `eth_estimateGas` for a sample transaction from this account says more.
 */
import { decodeFunctionResult, encodeFunctionData, maxUint256, type Address, type Hex } from "viem";
import { ABI } from "../contracts/abis";
import { balancesOf } from "../chain/contract-reads";
import type { JsonRpcClient } from "../chain/rpc";
import { TYPE_SPECS } from "../tx/builders";
import type { TipPolicy } from "../tx/tips";
import type { ContractAddresses, FeeQuote, TransactionType } from "../tx/types";
import type { SwapQuote } from "../tx/uniswap-swap";
import { workloadBuilder, type AccountWorkload } from "./workload";

export interface WorkloadRequest {
  contracts: ContractAddresses;
  types: TransactionType[];
  tipPolicy: TipPolicy | null;
  chainId: number;
  /** For the account's own set-up transactions. */
  fees: FeeQuote;
  /** uniswap-swap: minimum outs, and the WETH this sender wraps for its swaps (decimal wei). */
  swap?: SwapQuote & { wethNeeded: string };
}

/** A transaction the account itself must send before the run (wrap ETH, approve the router). */
export interface SetupCall {
  to: Address;
  data: Hex;
  value: bigint;
  gas: bigint;
}

export interface PreparedWorkload {
  workload: AccountWorkload;
  /** Per type: the node's estimate for a sample transaction (decimal string), where one was asked. */
  estimates: Partial<Record<TransactionType, string>>;
}

/** An estimate is exact for the state it ran on; a busy chain may differ a little. */
const ESTIMATE_MARGIN_PERCENT = 110n;
/**
 * Types whose gas depends on execution: the rest are plain transfers of known cost. set-code is
 * not sampled: an estimate without its authorization list would price a call to an empty account.
 */
const EXECUTES_CODE = (type: TransactionType) => TYPE_SPECS[type].contracts !== undefined && type !== "set-code";

/**
 * `sendSetup` sends the account's own set-up transactions through its ledger and resolves once
 * they are mined successfully; the samples are estimated after it, on the state they will run on.
 */
export async function prepareWorkload(
  rpc: JsonRpcClient,
  address: Address,
  request: WorkloadRequest,
  sendSetup: (calls: SetupCall[]) => Promise<void>,
): Promise<PreparedWorkload> {
  const nftIds = request.types.includes("erc721-transfer") ? await heldTokens(rpc, request.contracts.erc721!, address) : [];
  const { swap } = request;
  const workload: AccountWorkload = { contracts: request.contracts, gasLimits: {}, tipPolicy: request.tipPolicy, nftIds };
  if (request.types.includes("uniswap-swap")) {
    if (!swap) throw new Error("uniswap-swap needs a swap quote from the pool");
    workload.swap = { minUsdcOut: swap.minUsdcOut, minWethOut: swap.minWethOut };
    await sendSetup(await swapSetup(rpc, address, request.contracts, BigInt(swap.wethNeeded)));
  }
  const sampled = request.types.filter(EXECUTES_CODE);
  const estimates: PreparedWorkload["estimates"] = {};
  if (sampled.length === 0) return { workload, estimates };

  // One sample of each type, built as the run will build it (on a scratch counter: no NFT is used up).
  const fees = { maxFeePerGas: "0", maxPriorityFeePerGas: "0" };
  const samples = await Promise.all(
    sampled.map(async (type) => (await workloadBuilder({ ...workload, tipPolicy: null }, {}, [[type, 1]], [])({ chainId: request.chainId, nonce: 0, fees, from: address })).tx),
  );
  const outcomes = await rpc.batch<string>(
    samples.map((tx) => ({ method: "eth_estimateGas", params: [{ from: address, to: tx.to, data: tx.data, value: `0x${(tx.value ?? 0n).toString(16)}` }] })),
  );
  outcomes.forEach((o, i) => {
    const type = sampled[i];
    if (!o.ok) throw new Error(`a sample ${type} transaction from ${address} would fail: ${o.error.message}`);
    estimates[type] = BigInt(o.result).toString();
    const needed = (BigInt(o.result) * ESTIMATE_MARGIN_PERCENT) / 100n;
    if (needed > TYPE_SPECS[type].gas) workload.gasLimits[type] = needed.toString();
  });
  return { workload, estimates };
}

/** Gas for a sender's own set-up calls: a deposit or an approval, with room. */
const SETUP_GAS = 100_000n;

/** What a swapping sender lacks: wrapped ETH, and the router's allowance for both tokens. */
async function swapSetup(rpc: JsonRpcClient, owner: Address, contracts: ContractAddresses, wethNeeded: bigint): Promise<SetupCall[]> {
  const weth = contracts.weth9!;
  const usdc = contracts.usdc!;
  const router = contracts.swapRouter!;
  const read = (to: Address, data: Hex) => ({ method: "eth_call", params: [{ to, data }, "latest"] });
  const outcomes = await rpc.batch<Hex>([
    read(weth, encodeFunctionData({ abi: ABI.weth9, functionName: "balanceOf", args: [owner] })),
    read(weth, encodeFunctionData({ abi: ABI.weth9, functionName: "allowance", args: [owner, router] })),
    read(usdc, encodeFunctionData({ abi: ABI.erc20, functionName: "allowance", args: [owner, router] })),
  ]);
  const [wethBalance, wethAllowance, usdcAllowance] = outcomes.map((o) => {
    if (!o.ok) throw o.error;
    return BigInt(o.result);
  });
  const calls: SetupCall[] = [];
  if (wethBalance < wethNeeded) calls.push({ to: weth, data: encodeFunctionData({ abi: ABI.weth9, functionName: "deposit" }), value: wethNeeded - wethBalance, gas: SETUP_GAS });
  const approve = (token: Address) => ({ to: token, data: encodeFunctionData({ abi: ABI.erc20, functionName: "approve", args: [router, maxUint256] }), value: 0n, gas: SETUP_GAS });
  // Half of the maximum: an allowance spent down over many runs is topped up long before it runs out.
  if (wethAllowance < maxUint256 / 2n) calls.push(approve(weth));
  if (usdcAllowance < maxUint256 / 2n) calls.push(approve(usdc));
  return calls;
}

/** Token ids of `nft` that `owner` holds, through ERC-721 enumeration. */
async function heldTokens(rpc: JsonRpcClient, nft: Address, owner: Address): Promise<string[]> {
  const call = (data: Hex) => ({ method: "eth_call", params: [{ to: nft, data }, "latest"] });
  const [balance] = await balancesOf(rpc, nft, [owner]);
  const outcomes = await rpc.batch<Hex>(
    Array.from({ length: Number(balance) }, (_, i) => call(encodeFunctionData({ abi: ABI.erc721, functionName: "tokenOfOwnerByIndex", args: [owner, BigInt(i)] }))),
  );
  return outcomes.map((o) => {
    if (!o.ok) throw o.error;
    return decodeFunctionResult({ abi: ABI.erc721, functionName: "tokenOfOwnerByIndex", data: o.result }).toString();
  });
}
