/**
 * Contracts a run needs, deployed once per chain: a group recorded in D1 is reused while every one
 * of its contracts still has the code recorded for it (a restarted dev chain has lost it); any
 * other group is deployed by the funder, and recorded.
 */
import { keccak256, type Address, type Hex } from "viem";
import type { LocalAccount } from "viem/accounts";
import { fetchLatestBlock, fetchPendingNonce } from "../chain/node-queries";
import type { JsonRpcClient } from "../chain/rpc";
import { cachedContracts, saveContracts, type Db } from "../db/queries";
import type { ContractRow } from "../db/schema";
import { FunderError } from "../errors";
import type { ContractGroup } from "../tx/builders";
import type { ContractAddresses, ContractRole, FeeQuote } from "../tx/types";
import { sendFromFunder } from "../chain/funder-calls";
import { GROUP_ROLES, planGroup, type PlannedCall } from "./deploy-plan";

/** Creations get their estimate plus this margin (estimates are exact on a quiet chain, not on a busy one). */
const ESTIMATE_MARGIN_PERCENT = 120n;

export interface EnsureContracts {
  rpc: JsonRpcClient;
  db: Db;
  funder: LocalAccount;
  chainId: number;
  fees: FeeQuote;
  stillLive: () => boolean;
}

export interface EnsuredContracts {
  addresses: ContractAddresses;
  deployed: ContractGroup[];
  reused: ContractGroup[];
}

export async function ensureContracts(ctx: EnsureContracts, groups: ContractGroup[]): Promise<EnsuredContracts> {
  const { rpc, db, funder, chainId } = ctx;
  const rows = new Map((await cachedContracts(db, chainId)).map((r) => [r.name, r]));
  const addresses: ContractAddresses = {};
  const reused: ContractGroup[] = [];
  const missing: ContractGroup[] = [];
  for (const group of groups) {
    const recorded = GROUP_ROLES[group].map((role) => rows.get(role));
    if (recorded.every(Boolean) && (await stillDeployed(rpc, recorded as ContractRow[]))) {
      for (const row of recorded as ContractRow[]) addresses[row.name as ContractRole] = row.address as Address;
      reused.push(group);
    } else missing.push(group);
  }
  if (missing.length === 0) return { addresses, deployed: [], reused };

  let nonce = await fetchPendingNonce(rpc, funder.address);
  const calls: PlannedCall[] = [];
  const planned: ContractAddresses = {};
  for (const group of missing) {
    const plan = planGroup(group, funder.address, nonce);
    calls.push(...plan.calls);
    nonce += plan.calls.length;
    Object.assign(planned, plan.addresses);
  }
  const first = nonce - calls.length;
  const gas = await estimateCreations(rpc, funder.address, calls);
  const receipts = await sendFromFunder(
    { rpc, funder, chainId, fees: ctx.fees, nonce: first, stillLive: ctx.stillLive, what: `deploying ${missing.join(", ")} contracts` },
    calls.map((c, i) => ({ to: c.to, data: c.data, value: c.value, gas: gas[i] })),
  );
  calls.forEach((c, i) => {
    const made = receipts[i].contractAddress;
    if (c.creates && made?.toLowerCase() !== planned[c.creates]!.toLowerCase()) {
      throw new FunderError(`${c.creates} was deployed at ${made}, not at ${planned[c.creates]}: did something else send from the funder?`);
    }
  });
  const deployedRoles = missing.flatMap((g) => GROUP_ROLES[g]);
  const codes = await codesAt(rpc, deployedRoles.map((r) => planned[r]!));
  const now = Date.now();
  const fresh: ContractRow[] = deployedRoles.map((role, i) => {
    if (codes[i] === "0x") throw new FunderError(`${role} at ${planned[role]} has no code after its deployment`);
    return { chainId, name: role, address: planned[role]!, codeHash: keccak256(codes[i]), deployedAt: now };
  });
  await saveContracts(db, fresh);
  return { addresses: { ...addresses, ...planned }, deployed: missing, reused };
}

async function stillDeployed(rpc: JsonRpcClient, rows: ContractRow[]): Promise<boolean> {
  const codes = await codesAt(rpc, rows.map((r) => r.address));
  return rows.every((row, i) => codes[i] !== "0x" && keccak256(codes[i]) === row.codeHash);
}

async function codesAt(rpc: JsonRpcClient, addresses: string[]): Promise<Hex[]> {
  const outcomes = await rpc.batch<Hex>(addresses.map((a) => ({ method: "eth_getCode", params: [a, "latest"] })));
  return outcomes.map((o) => {
    if (!o.ok) throw o.error;
    return o.result;
  });
}

/**
 * Gas per call: the planned limit, or for a creation the node's estimate with a margin, but never
 * above the block's gas limit (a congested chain with small blocks still takes the creation whose
 * estimate fits; one that does not fit fails its estimate with the node's reason).
 */
async function estimateCreations(rpc: JsonRpcClient, from: Address, calls: PlannedCall[]): Promise<bigint[]> {
  const creations = calls.flatMap((c, i) => (c.gas === undefined ? [i] : []));
  const { gasLimit } = await fetchLatestBlock(rpc);
  const outcomes = await rpc.batch<string>(creations.map((i) => ({ method: "eth_estimateGas", params: [{ from, data: calls[i].data }] })));
  const gas = calls.map((c) => c.gas ?? 0n);
  outcomes.forEach((o, k) => {
    if (!o.ok) throw new FunderError(`cannot deploy ${calls[creations[k]].creates}: ${o.error.message}`);
    const estimate = BigInt(o.result);
    if (estimate > gasLimit) throw new FunderError(`cannot deploy ${calls[creations[k]].creates}: it needs ${estimate} gas, above the chain's block gas limit of ${gasLimit}`);
    const padded = (estimate * ESTIMATE_MARGIN_PERCENT) / 100n;
    gas[creations[k]] = padded > gasLimit ? gasLimit : padded;
  });
  return gas;
}
