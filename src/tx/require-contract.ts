import type { Address } from "viem";
import type { ContractRole, LoadContext } from "./types";

/** The address of a contract the run should have deployed; its absence is a bug in preparation, not a send failure. */
export function requireContract(ctx: LoadContext, role: ContractRole): Address {
  const address = ctx.contracts[role];
  if (!address) throw new Error(`the run has no ${role} contract: it was not prepared for this transaction type`);
  return address;
}
