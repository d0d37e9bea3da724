/**
 * What deploying a contract group takes, as a list of funder calls at known nonces: creations (whose
 * addresses follow from the funder and the nonce, so later calls can name them before they are
 * mined) and the calls that set a group up (the Uniswap pool: created, priced, seeded). Pure.
 */
import { encodeDeployData, encodeFunctionData, getContractAddress, maxUint256, zeroAddress, type Address, type Hex } from "viem";
import type { ContractGroup } from "../tx/builders";
import type { ContractAddresses, ContractRole } from "../tx/types";
import { ABI } from "./abis";
import { BYTECODE } from "./bytecode";
import { FULL_RANGE_TICK, POOL_FEE, SEED_USDC, SEED_WETH, initialSqrtPriceX96, poolAddress, poolTokens } from "./uniswap-pool";

export const GROUP_ROLES: Record<ContractGroup, ContractRole[]> = {
  erc20: ["erc20"],
  erc721: ["erc721"],
  gasConsumer: ["gasConsumer"],
  delegate: ["delegate"],
  uniswap: ["weth9", "usdc", "uniswapV3Factory", "swapRouter", "nonfungiblePositionManager", "uniswapPool"],
};

export interface PlannedCall {
  to?: Address;
  data: Hex;
  value?: bigint;
  /** Undefined: a creation, whose gas is estimated (it depends on nothing not yet mined). */
  gas?: bigint;
  /** For a creation: the role of the contract it creates. */
  creates?: ContractRole;
}

export interface GroupPlan {
  calls: PlannedCall[];
  addresses: ContractAddresses;
}

/** Fixed gas for set-up calls: each depends on the one before, so none can be estimated ahead. */
const SETUP_GAS = { createPool: 6_000_000n, initialize: 200_000n, deposit: 80_000n, mint: 120_000n, approve: 80_000n, seed: 800_000n };
/** Far in the future: the seeding mint must not expire while it waits in a pool. */
const NO_DEADLINE = 2n ** 40n;

/** The calls that deploy `group` from `funder`, the first at `nonce`. */
export function planGroup(group: ContractGroup, funder: Address, nonce: number): GroupPlan {
  const calls: PlannedCall[] = [];
  const addresses: ContractAddresses = {};
  const create = (role: ContractRole, data: Hex): Address => {
    const address = getContractAddress({ from: funder, nonce: BigInt(nonce + calls.length) });
    calls.push({ data, creates: role });
    addresses[role] = address;
    return address;
  };
  const call = (to: Address, data: Hex, gas: bigint, value?: bigint) => calls.push({ to, data, gas, value });

  switch (group) {
    case "erc20":
      create("erc20", encodeDeployData({ abi: ABI.erc20, bytecode: BYTECODE.erc20, args: ["Load Token", "LOAD"] }));
      break;
    case "erc721":
      create("erc721", encodeDeployData({ abi: ABI.erc721, bytecode: BYTECODE.erc721, args: ["Load NFT", "LNFT", ""] }));
      break;
    case "gasConsumer":
      create("gasConsumer", BYTECODE.gasConsumer);
      break;
    case "delegate":
      create("delegate", BYTECODE.delegate);
      break;
    case "uniswap": {
      const weth = create("weth9", BYTECODE.weth9);
      const usdc = create("usdc", encodeDeployData({ abi: ABI.erc20, bytecode: BYTECODE.erc20, args: ["USD Coin", "USDC"] }));
      const factory = create("uniswapV3Factory", BYTECODE.uniswapV3Factory);
      create("swapRouter", encodeDeployData({ abi: ABI.swapRouter, bytecode: BYTECODE.swapRouter, args: [factory, weth] }));
      const npm = create("nonfungiblePositionManager", encodeDeployData({ abi: ABI.nonfungiblePositionManager, bytecode: BYTECODE.nonfungiblePositionManager, args: [factory, weth, zeroAddress] }));
      const pool = poolAddress(factory, weth, usdc);
      addresses.uniswapPool = pool;
      const { token0, token1, wethIsToken0 } = poolTokens(weth, usdc);
      call(factory, encodeFunctionData({ abi: ABI.uniswapV3Factory, functionName: "createPool", args: [token0, token1, POOL_FEE] }), SETUP_GAS.createPool);
      call(pool, encodeFunctionData({ abi: ABI.uniswapV3Pool, functionName: "initialize", args: [initialSqrtPriceX96(wethIsToken0)] }), SETUP_GAS.initialize);
      call(weth, encodeFunctionData({ abi: ABI.weth9, functionName: "deposit" }), SETUP_GAS.deposit, SEED_WETH);
      call(usdc, encodeFunctionData({ abi: ABI.erc20, functionName: "mint", args: [funder, SEED_USDC] }), SETUP_GAS.mint);
      call(weth, encodeFunctionData({ abi: ABI.weth9, functionName: "approve", args: [npm, maxUint256] }), SETUP_GAS.approve);
      call(usdc, encodeFunctionData({ abi: ABI.erc20, functionName: "approve", args: [npm, maxUint256] }), SETUP_GAS.approve);
      const [amount0, amount1] = wethIsToken0 ? [SEED_WETH, SEED_USDC] : [SEED_USDC, SEED_WETH];
      const seed = {
        token0,
        token1,
        fee: POOL_FEE,
        tickLower: -FULL_RANGE_TICK,
        tickUpper: FULL_RANGE_TICK,
        amount0Desired: amount0,
        amount1Desired: amount1,
        amount0Min: 0n,
        amount1Min: 0n,
        recipient: funder,
        deadline: NO_DEADLINE,
      };
      call(npm, encodeFunctionData({ abi: ABI.nonfungiblePositionManager, functionName: "mint", args: [seed] }), SETUP_GAS.seed);
      break;
    }
  }
  return { calls, addresses };
}
