/**
 * Minimal ABIs of the contracts the load generator deploys (bytecode in ./bytecode.ts): only the
 * functions and events the transaction builders, the seeding steps and the audits use, plus the
 * constructors that take arguments (for viem's deployContract). Every item is
 * checked against the packages' artifact ABIs by `npm run build:contracts`, which fails on any
 * signature (name, types, tuple field names, indexed flags, outputs, mutability) the artifact lacks.
 */
import { parseAbi } from "viem";

export const ABI = {
  erc20: parseAbi([
    "constructor(string name, string symbol)",
    "function mint(address to, uint256 amount)",
    "function transfer(address to, uint256 amount) returns (bool)",
    "function approve(address spender, uint256 amount) returns (bool)",
    "function balanceOf(address account) view returns (uint256)",
    "function allowance(address owner, address spender) view returns (uint256)",
    "event Transfer(address indexed from, address indexed to, uint256 value)",
    "event Approval(address indexed owner, address indexed spender, uint256 value)",
  ]),
  erc721: parseAbi([
    "constructor(string name, string symbol, string baseTokenURI)",
    "function mint(address to)",
    "function transferFrom(address from, address to, uint256 tokenId)",
    "function ownerOf(uint256 tokenId) view returns (address)",
    "function balanceOf(address owner) view returns (uint256)",
    "function tokenOfOwnerByIndex(address owner, uint256 index) view returns (uint256)",
    "event Transfer(address indexed from, address indexed to, uint256 indexed tokenId)",
  ]),
  gasConsumer: parseAbi(["function store(uint256 value)", "function consumeGas(uint256 rounds)"]),
  delegate: parseAbi(["function ping()", "event Pinged(address indexed caller)"]),
  weth9: parseAbi([
    "function deposit() payable",
    "function approve(address guy, uint256 wad) returns (bool)",
    "function balanceOf(address) view returns (uint256)",
    "function allowance(address, address) view returns (uint256)",
  ]),
  uniswapV3Factory: parseAbi([
    "function createPool(address tokenA, address tokenB, uint24 fee) returns (address pool)",
    "function getPool(address, address, uint24) view returns (address)",
  ]),
  uniswapV3Pool: parseAbi([
    "function initialize(uint160 sqrtPriceX96)",
    "function slot0() view returns (uint160 sqrtPriceX96, int24 tick, uint16 observationIndex, uint16 observationCardinality, uint16 observationCardinalityNext, uint8 feeProtocol, bool unlocked)",
    "event Swap(address indexed sender, address indexed recipient, int256 amount0, int256 amount1, uint160 sqrtPriceX96, uint128 liquidity, int24 tick)",
  ]),
  nonfungiblePositionManager: parseAbi([
    "constructor(address factory, address weth9, address tokenDescriptor)",
    "struct MintParams { address token0; address token1; uint24 fee; int24 tickLower; int24 tickUpper; uint256 amount0Desired; uint256 amount1Desired; uint256 amount0Min; uint256 amount1Min; address recipient; uint256 deadline; }",
    "function mint(MintParams params) payable returns (uint256 tokenId, uint128 liquidity, uint256 amount0, uint256 amount1)",
  ]),
  swapRouter: parseAbi([
    "constructor(address factory, address weth9)",
    "struct ExactInputSingleParams { address tokenIn; address tokenOut; uint24 fee; address recipient; uint256 deadline; uint256 amountIn; uint256 amountOutMinimum; uint160 sqrtPriceLimitX96; }",
    "function exactInputSingle(ExactInputSingleParams params) payable returns (uint256 amountOut)",
  ]),
} as const;

export type AbiName = keyof typeof ABI;
