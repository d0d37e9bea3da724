/**
 * `npm run build:contracts`: writes contracts/bytecode.json, the creation bytecode of every contract
 * the load generator deploys. Third-party contracts come from the artifacts their npm packages ship
 * (pinned devDependencies); GasConsumer and Delegate are compiled from contracts/ with the pinned solc.
 *
 * Fails (exit 1) if:
 *   - the v3-core pool's creation code does not hash to periphery's PoolAddress.POOL_INIT_CODE_HASH, the
 *     factory does not embed that creation code, or SwapRouter / NonfungiblePositionManager do not embed
 *     that hash (the router would then compute pool addresses the factory never creates);
 *   - an item of src/contracts/abis.ts is not in its artifact's ABI (so the ABIs cannot drift);
 *   - solc reports an error, or an artifact has unlinked library references.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import solc from "solc";
import { keccak256, type Abi, type AbiParameter, type Hex } from "viem";
import { ABI, type AbiName } from "../src/contracts/abis";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const OUT = join(root, "contracts/bytecode.json");

/** Periphery's PoolAddress.POOL_INIT_CODE_HASH, which the router and position manager use. */
const POOL_INIT_CODE_HASH = "0xe34f199b19b2b4f47f68442619d555527d244f78a3297ea89325f843f87b8b54";

/** EVM version for the two contracts compiled here: paris (no PUSH0/MCOPY/transient storage) so they
 * run on every layer the product targets, older L2 forks included; anvil's default (latest) runs it. */
const EVM_VERSION = "paris";
const OPTIMIZER_RUNS = 200;

interface Artifact {
  pkg: string;
  path: string;
}

const ARTIFACTS = {
  erc20: { pkg: "@openzeppelin/contracts", path: "build/contracts/ERC20PresetMinterPauser.json" },
  erc721: { pkg: "@openzeppelin/contracts", path: "build/contracts/ERC721PresetMinterPauserAutoId.json" },
  weth9: { pkg: "@uniswap/v2-periphery", path: "build/WETH9.json" },
  uniswapV3Factory: { pkg: "@uniswap/v3-core", path: "artifacts/contracts/UniswapV3Factory.sol/UniswapV3Factory.json" },
  uniswapV3Pool: { pkg: "@uniswap/v3-core", path: "artifacts/contracts/UniswapV3Pool.sol/UniswapV3Pool.json" },
  swapRouter: { pkg: "@uniswap/v3-periphery", path: "artifacts/contracts/SwapRouter.sol/SwapRouter.json" },
  nonfungiblePositionManager: {
    pkg: "@uniswap/v3-periphery",
    path: "artifacts/contracts/NonfungiblePositionManager.sol/NonfungiblePositionManager.json",
  },
} satisfies Record<string, Artifact>;

const SOURCES = { gasConsumer: "contracts/GasConsumer.sol:GasConsumer", delegate: "contracts/Delegate.sol:Delegate" } as const;

/** Order of the generated object: the keys the deployment code uses. The pool is created by the factory. */
const DEPLOYED = ["erc20", "erc721", "gasConsumer", "delegate", "weth9", "uniswapV3Factory", "swapRouter", "nonfungiblePositionManager"] as const;

interface Compiled {
  abi: Abi;
  bytecode: Hex;
  /** Runtime code, for the size check (EIP-170: 24,576 bytes). */
  deployed: Hex;
  source: string;
}

const failures: string[] = [];
const fail = (message: string) => failures.push(message);

function pkgDir(pkg: string): string {
  return dirname(require.resolve(`${pkg}/package.json`));
}

function pkgVersion(pkg: string): string {
  return (JSON.parse(readFileSync(join(pkgDir(pkg), "package.json"), "utf8")) as { version: string }).version;
}

function hex(s: string): Hex {
  const h = (s.startsWith("0x") ? s : `0x${s}`) as Hex;
  if (!/^0x([0-9a-f]{2})+$/i.test(h)) throw new Error(`not hex bytecode (unlinked library?): ${h.slice(0, 80)}…`);
  return h.toLowerCase() as Hex;
}

function loadArtifact(name: string, a: Artifact): Compiled {
  const json = JSON.parse(readFileSync(join(pkgDir(a.pkg), a.path), "utf8")) as {
    abi: Abi;
    bytecode: string | { object: string };
    deployedBytecode?: string;
    evm?: { bytecode: { object: string }; deployedBytecode: { object: string } };
    linkReferences?: Record<string, unknown>;
  };
  if (json.linkReferences && Object.keys(json.linkReferences).length > 0) fail(`${name}: artifact needs linked libraries`);
  const bytecode = typeof json.bytecode === "string" ? json.bytecode : json.bytecode.object;
  const deployed = json.deployedBytecode ?? json.evm?.deployedBytecode.object ?? "";
  return { abi: json.abi, bytecode: hex(bytecode), deployed: hex(deployed), source: `${a.pkg}@${pkgVersion(a.pkg)} ${a.path}` };
}

function compileSources(): Record<keyof typeof SOURCES, Compiled> {
  const files = [...new Set(Object.values(SOURCES).map((s) => s.split(":")[0]))];
  const input = {
    language: "Solidity",
    sources: Object.fromEntries(files.map((f) => [f, { content: readFileSync(join(root, f), "utf8") }])),
    settings: {
      optimizer: { enabled: true, runs: OPTIMIZER_RUNS },
      evmVersion: EVM_VERSION,
      outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as {
    errors?: Array<{ severity: string; formattedMessage: string }>;
    contracts: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }>>;
  };
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  for (const w of (output.errors ?? []).filter((e) => e.severity !== "error")) console.warn(w.formattedMessage);
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join("\n"));
  const out = {} as Record<keyof typeof SOURCES, Compiled>;
  for (const [name, ref] of Object.entries(SOURCES) as Array<[keyof typeof SOURCES, string]>) {
    const [file, contract] = ref.split(":");
    const c = output.contracts[file][contract];
    out[name] = {
      abi: c.abi,
      bytecode: hex(c.evm.bytecode.object),
      deployed: hex(c.evm.deployedBytecode.object),
      source: `${file} (solc ${solc.version()}, optimizer ${OPTIMIZER_RUNS} runs, evmVersion ${EVM_VERSION})`,
    };
  }
  return out;
}

// --- ABI check: every item of abis.ts must be in the artifact, with the same shape ---

function paramType(p: AbiParameter): string {
  if (!p.type.startsWith("tuple")) return p.type;
  const components = (p as { components: readonly AbiParameter[] }).components;
  return `(${components.map((c) => `${paramType(c)} ${c.name ?? ""}`).join(",")})${p.type.slice("tuple".length)}`;
}

/** A canonical text of one item: types (tuple field names included: viem encodes structs by name),
 * outputs and mutability of functions and constructors; event parameter names and indexed flags (viem decodes by name). */
function shape(item: Abi[number]): string | undefined {
  if (item.type === "function") {
    const ins = item.inputs.map(paramType).join(",");
    const outs = item.outputs.map(paramType).join(",");
    return `function ${item.name}(${ins}) ${item.stateMutability} returns (${outs})`;
  }
  if (item.type === "constructor") return `constructor(${item.inputs.map(paramType).join(",")}) ${item.stateMutability}`;
  if (item.type === "event") {
    const ins = item.inputs.map((p) => `${paramType(p)}${p.indexed ? " indexed" : ""} ${p.name ?? ""}`).join(",");
    return `event ${item.name}(${ins})`;
  }
  return undefined;
}

function checkAbi(name: AbiName, artifactAbi: Abi) {
  const available = new Set(artifactAbi.map(shape).filter((s): s is string => s !== undefined));
  for (const item of ABI[name] as Abi) {
    const s = shape(item);
    if (s !== undefined && !available.has(s)) {
      const sameName = artifactAbi.filter((a) => "name" in a && "name" in item && a.name === item.name).map(shape);
      fail(`abis.ts ${name}: "${s}" is not in the artifact ABI${sameName.length ? `; artifact has ${sameName.join(" | ")}` : ""}`);
    }
  }
}

// --- build ---

const artifacts = Object.fromEntries(Object.entries(ARTIFACTS).map(([name, a]) => [name, loadArtifact(name, a)])) as Record<
  keyof typeof ARTIFACTS,
  Compiled
>;
const all: Record<AbiName, Compiled> = { ...artifacts, ...compileSources() };

const pool = artifacts.uniswapV3Pool.bytecode;
const poolHash = keccak256(pool);
if (poolHash !== POOL_INIT_CODE_HASH) fail(`keccak256(UniswapV3Pool creation code) = ${poolHash}, periphery expects ${POOL_INIT_CODE_HASH}`);
if (!artifacts.uniswapV3Factory.bytecode.includes(pool.slice(2))) fail("UniswapV3Factory does not embed the v3-core UniswapV3Pool creation code");
for (const name of ["swapRouter", "nonfungiblePositionManager"] as const) {
  if (!artifacts[name].bytecode.includes(POOL_INIT_CODE_HASH.slice(2))) fail(`${name} does not embed POOL_INIT_CODE_HASH`);
}
const peripheryHash = /POOL_INIT_CODE_HASH\s*=\s*(0x[0-9a-f]{64})/i.exec(
  readFileSync(join(pkgDir("@uniswap/v3-periphery"), "contracts/libraries/PoolAddress.sol"), "utf8"),
)?.[1];
if (peripheryHash?.toLowerCase() !== POOL_INIT_CODE_HASH) fail(`periphery's PoolAddress.sol has POOL_INIT_CODE_HASH ${peripheryHash}`);

for (const name of Object.keys(ABI) as AbiName[]) checkAbi(name, all[name].abi);
for (const [name, c] of Object.entries(all)) {
  const size = (c.deployed.length - 2) / 2;
  if (size > 24_576) fail(`${name}: runtime code is ${size} bytes, over EIP-170's 24,576`);
}

if (failures.length > 0) {
  for (const f of failures) console.error(`✗ ${f}`);
  process.exit(1);
}

const generated = {
  generatedBy: "scripts/build-contracts.ts (npm run build:contracts): do not edit",
  about:
    "Creation bytecode, without constructor arguments. Constructors: erc20(name, symbol); erc721(name, symbol, baseTokenURI); weth9(); uniswapV3Factory(); swapRouter(factory, weth9); nonfungiblePositionManager(factory, weth9, tokenDescriptor); gasConsumer(); delegate().",
  sources: Object.fromEntries(DEPLOYED.map((name) => [name, all[name].source])),
  // keccak256(UniswapV3Pool creation code) = v3-periphery's POOL_INIT_CODE_HASH (checked above).
  poolInitCodeHash: poolHash,
  bytecode: Object.fromEntries(DEPLOYED.map((name) => [name, all[name].bytecode])),
};
writeFileSync(OUT, JSON.stringify(generated, null, 2) + "\n");

for (const name of DEPLOYED) {
  const c = all[name];
  console.log(`${name.padEnd(28)} creation ${String((c.bytecode.length - 2) / 2).padStart(6)} B  runtime ${String((c.deployed.length - 2) / 2).padStart(6)} B`);
}
console.log(`pool init code hash ${poolHash} matches periphery`);
console.log(`wrote ${relative(root, OUT)} (${readFileSync(OUT).length} bytes)`);
