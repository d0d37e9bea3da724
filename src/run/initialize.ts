/**
 * The initializing phase of a run, one step per coordinator alarm so that a stop or a reset takes
 * effect between them: derive the senders (one account object each, placed by region), fund them
 * from the funder, and start each ledger from the node's pending nonce.
 */
import { DEFAULT_TIP_WEI, autoAccountCount, funderSource, type Env, type RuntimeConfig } from "../config";
import { funderAccount } from "../account/keys";
import { signerForLayer } from "../account/layer-signer";
import type { AccountDO } from "../account/account-do";
import { needsLegacy } from "../chain/layers";
import { fetchFees, fetchLatestBlock } from "../chain/node-queries";
import type { JsonRpcClient } from "../chain/rpc";
import { ABI } from "../contracts/abis";
import { ensureContracts } from "../contracts/ensure-contracts";
import { balancesOf, estimateGas } from "../chain/contract-reads";
import type { Db } from "../db/queries";
import { typesOf } from "../tx/mix";
import type { ContractAddresses, FeeQuote } from "../tx/types";
import { decodeFunctionResult, encodeFunctionData, type Address } from "viem";
import type { WorkloadRequest } from "../account/prepare-workload";
import { poolTokens } from "../contracts/uniswap-pool";
import { SWAP_WETH_IN, swapQuote, type SwapQuote } from "../tx/uniswap-swap";
import { sendFromFunder, type FunderCall } from "../chain/funder-calls";
import { fundAccounts, planFunding } from "./funding";
import { expectedTransactions, minAccounts, peakRate } from "./patterns";
import { contractGroups, expectedOfType, fundingUnit, nftsNeeded, runMix, tipPolicyOf } from "./workload-plan";
import { NO_REGION, placeAccounts, runRegions } from "./region-plan";
import type { AccountSlot, RunRecord } from "./run-state";

/** Objects are prepared this many at a time: enough parallelism, bounded fan-out. */
const FAN_OUT = 50;

export function accountStub(env: Env, region: string, index: number): DurableObjectStub<AccountDO> {
  // The region is part of the name: a location hint only applies when an object is first created.
  const id = env.ACCOUNT.idFromName(`sender:${region}:${index}`);
  return region === NO_REGION ? env.ACCOUNT.get(id) : env.ACCOUNT.get(id, { locationHint: region as DurableObjectLocationHint });
}

export async function mapInChunks<T, R>(items: T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += FAN_OUT) out.push(...(await Promise.all(items.slice(i, i + FAN_OUT).map(fn))));
  return out;
}

export function planAccounts(run: Pick<RunRecord, "request">, config: RuntimeConfig): { numAccounts: number; regions: string[] } {
  const regions = runRegions(run.request);
  // A realistic run may give its account count in its config (PRODUCT.md §3); the top level wins when set.
  const requested = run.request.numAccounts || run.request.realisticConfig?.numAccounts || 0;
  const auto = Math.max(autoAccountCount(peakRate(run.request), config.blockTimeMs), minAccounts(run.request));
  const numAccounts = requested || auto;
  return { numAccounts, regions };
}

export const tipOf = (run: RunRecord): bigint =>
  run.request.tipGwei === undefined ? DEFAULT_TIP_WEI : BigInt(Math.round(run.request.tipGwei * 1e9));

/** Today's fee quote for the run: its tip, and the legacy cap where its layer needs legacy transactions. */
const runFees = (rpc: JsonRpcClient, run: RunRecord) => fetchFees(rpc, tipOf(run), needsLegacy(run.executionLayer));

/** The funder, signing as the run's layer needs (type 0 on a legacy layer): funding, deployments, mints. */
const funderOf = (env: Env, run: RunRecord) => signerForLayer(funderAccount(funderSource(env, run.chainId)!), needsLegacy(run.executionLayer));

/** Step 1: binds one account object per sender to its index; their start nonces come in step 3. */
export async function prepareAccounts(env: Env, rpc: JsonRpcClient, run: RunRecord): Promise<AccountSlot[]> {
  if (!funderSource(env, run.chainId)) throw new Error(`no funder configured for chain ${run.chainId}: set FUNDER_PRIVATE_KEY or FUNDER_MNEMONIC`);
  const placed = placeAccounts(run.numAccounts, run.regions, run.request.regionWeights);
  const slots = placed.map((region, index) => ({ index, region }));
  const addresses = await mapInChunks(slots, async (s) =>
    (await accountStub(env, s.region, s.index).prepare({ index: s.index, chainId: run.chainId, rpcUrl: rpc.url, legacy: needsLegacy(run.executionLayer) })).address,
  );
  return slots.map((s, i) => ({ ...s, address: addresses[i], startNonce: 0 }));
}

/**
 * Step 2: tops up every sender below what the run needs, and waits until the top-ups are mined.
 * `stillLive` is asked between batches: a run reset meanwhile sends no more from the funder.
 */
export async function fundSenders(env: Env, rpc: JsonRpcClient, run: RunRecord, accounts: AccountSlot[], stillLive: () => boolean): Promise<void> {
  const fees = await runFees(rpc, run);
  const quote: FeeQuote = { maxFeePerGas: fees.maxFeePerGas.toString(), maxPriorityFeePerGas: fees.maxPriorityFeePerGas.toString() };
  const unit = fundingUnit(runMix(run.request));
  const plan = planFunding(expectedTransactions(run.request) / run.numAccounts, unit.gas, fees.maxFeePerGas, unit.value);
  await fundAccounts(rpc, funderOf(env, run), run.chainId, accounts.map((a) => a.address), plan, quote, stillLive);
}

const quoteOf = (fees: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }): FeeQuote => ({
  maxFeePerGas: fees.maxFeePerGas.toString(),
  maxPriorityFeePerGas: fees.maxPriorityFeePerGas.toString(),
});

/** Step 1b: the contracts the run's types need, reused from D1 while still on chain, else deployed by the funder. */
export async function deployContracts(env: Env, rpc: JsonRpcClient, db: Db, run: RunRecord, stillLive: () => boolean): Promise<ContractAddresses> {
  const groups = contractGroups(runMix(run.request));
  if (groups.length === 0) return {};
  const funder = funderOf(env, run);
  const fees = quoteOf(await runFees(rpc, run));
  return (await ensureContracts({ rpc, db, funder, chainId: run.chainId, fees, stillLive }, groups)).addresses;
}

/** Tokens minted to a sender whose balance is below TOKEN_FLOOR: enough for any run, and the next ones. */
const TOKEN_TOP_UP = 10n ** 24n;
const TOKEN_FLOOR = 10n ** 21n;
/** First mints to a fresh holder cost more than the estimate of a later one: room for both. */
const MINT_GAS_MARGIN_PERCENT = 150n;

/**
 * Step 2b: what each sender needs for its types, minted by the funder (ERC-20 balances, NFTs), then
 * every account object reads its assets and checks its gas limits against the node.
 */
export async function prepareSenders(env: Env, rpc: JsonRpcClient, run: RunRecord, accounts: AccountSlot[], contracts: ContractAddresses, stillLive: () => boolean): Promise<void> {
  const mix = runMix(run.request);
  const types = typesOf(mix);
  const groups = contractGroups(mix);
  const funder = funderOf(env, run);
  const addresses = accounts.map((a) => a.address);
  const perAccount = expectedTransactions(run.request) / run.numAccounts;
  const calls: FunderCall[] = [];
  const mint = async (token: Address, data: (to: Address) => `0x${string}`, owners: Address[]) => {
    if (owners.length === 0) return;
    const gas = ((await estimateGas(rpc, funder.address, token, data(owners[0]))) * MINT_GAS_MARGIN_PERCENT) / 100n;
    for (const owner of owners) calls.push({ to: token, data: data(owner), gas });
  };
  const mintTokens = async (token: Address) => {
    const balances = await balancesOf(rpc, token, addresses);
    const low = addresses.filter((_, i) => balances[i] < TOKEN_FLOOR) as Address[];
    await mint(token, (to) => encodeFunctionData({ abi: ABI.erc20, functionName: "mint", args: [to, TOKEN_TOP_UP] }), low);
  };
  if (types.includes("erc20-transfer")) await mintTokens(contracts.erc20!);
  let swap: WorkloadRequest["swap"];
  if (types.includes("uniswap-swap")) {
    await mintTokens(contracts.usdc!);
    // Every swap sells WETH at most: wrapping one swap's worth per expected swap leaves room twice over.
    const wethNeeded = BigInt(Math.ceil(expectedOfType(mix, "uniswap-swap", perAccount))) * SWAP_WETH_IN + SWAP_WETH_IN;
    swap = { ...(await poolQuote(rpc, contracts)), wethNeeded: wethNeeded.toString() };
  }
  if (types.includes("erc721-transfer")) {
    const nft = contracts.erc721!;
    const need = nftsNeeded(expectedOfType(mix, "erc721-transfer", perAccount));
    const held = await balancesOf(rpc, nft, addresses);
    const owners = addresses.flatMap((a, i) => Array<Address>(Math.max(0, need - Number(held[i]))).fill(a as Address));
    await mint(nft, (to) => encodeFunctionData({ abi: ABI.erc721, functionName: "mint", args: [to] }), owners);
  }
  const fees = quoteOf(await runFees(rpc, run));
  await sendFromFunder({ rpc, funder, chainId: run.chainId, fees, stillLive, what: `minting tokens for ${accounts.length} senders` }, calls);
  if (!stillLive()) return;
  const request: WorkloadRequest = { contracts, types, tipPolicy: tipPolicyOf(run.request), chainId: run.chainId, fees, swap };
  // Plain transfers at the quote's tip need nothing beyond what prepare() set: no call per object
  // (at 1,000 objects these calls alone took 10 s locally).
  if (groups.length === 0 && request.tipPolicy === null) return;
  await mapInChunks(accounts, (s) => accountStub(env, s.region, s.index).prepareWorkload(request));
}

/** The minimum outs of a swap at the pool's price now. */
async function poolQuote(rpc: JsonRpcClient, contracts: ContractAddresses): Promise<SwapQuote> {
  const data = await rpc.call<`0x${string}`>("eth_call", [{ to: contracts.uniswapPool, data: encodeFunctionData({ abi: ABI.uniswapV3Pool, functionName: "slot0" }) }, "latest"]);
  const [sqrtPriceX96] = decodeFunctionResult({ abi: ABI.uniswapV3Pool, functionName: "slot0", data });
  return swapQuote(sqrtPriceX96, poolTokens(contracts.weth9!, contracts.usdc!).wethIsToken0);
}

/** Step 3: every ledger starts from the node's pending nonce; the run starts after the latest block. */
export async function syncNonces(env: Env, rpc: JsonRpcClient, run: RunRecord, accounts: AccountSlot[]): Promise<{ accounts: AccountSlot[]; startBlock: number; fees: FeeQuote }> {
  const nonces = await mapInChunks(accounts, async (s) => (await accountStub(env, s.region, s.index).syncNonce()).nonce);
  const [latest, fees] = await Promise.all([fetchLatestBlock(rpc), runFees(rpc, run)]);
  return {
    accounts: accounts.map((s, i) => ({ ...s, startNonce: nonces[i] })),
    startBlock: latest.number,
    fees: { maxFeePerGas: fees.maxFeePerGas.toString(), maxPriorityFeePerGas: fees.maxPriorityFeePerGas.toString() },
  };
}
