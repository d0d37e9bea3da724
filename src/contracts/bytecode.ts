/**
 * The creation bytecode of every contract a run deploys, without constructor arguments. The code
 * itself is a generated artifact, `contracts/bytecode.json` (`npm run build:contracts` writes it
 * from the pinned npm artifacts and solc, with each contract's source and the checked
 * POOL_INIT_CODE_HASH); this module gives it its types.
 */
import type { Hex } from "viem";
import artifacts from "../../contracts/bytecode.json";

export type ContractName = keyof typeof artifacts.bytecode;

export const BYTECODE: Readonly<Record<ContractName, Hex>> = artifacts.bytecode as Record<ContractName, Hex>;
