/**
 * What a run's request asks of its workload, in pure functions: the transaction mix, the tip
 * policy, the contracts to deploy, whether receipts must be read, and how much each sender needs.
 */
import type { StartTestRequest } from "../api/schemas";
import { TYPE_SPECS, type ContractGroup } from "../tx/builders";
import { mixFromRatios, typesOf, type Mix, type RatioKey } from "../tx/mix";
import { DEFAULT_TIP_POLICY, type TipPolicy } from "../tx/tips";
import type { TransactionType } from "../tx/types";

/** The realistic mix when the request names none: what a busy general-purpose L2 carries. */
export const DEFAULT_RATIOS: Partial<Record<RatioKey, number>> = {
  ethTransfer: 40,
  erc20Transfer: 25,
  erc20Approve: 10,
  storageWrite: 10,
  heavyCompute: 5,
  erc721Transfer: 10,
};

type WorkloadRequest = Pick<StartTestRequest, "pattern" | "transactionType" | "realisticConfig">;

export const isRealistic = (request: Pick<StartTestRequest, "pattern">): boolean =>
  request.pattern === "realistic" || request.pattern === "adaptive-realistic";

export function runMix(request: WorkloadRequest): Mix {
  if (!isRealistic(request)) return { [request.transactionType]: 100 };
  return mixFromRatios((request.realisticConfig?.txTypeRatios as Partial<Record<RatioKey, number>> | undefined) ?? DEFAULT_RATIOS);
}

export function tipPolicyOf(request: WorkloadRequest): TipPolicy | null {
  if (!isRealistic(request)) return null;
  const c = request.realisticConfig;
  // A bound left out takes its default but never crosses the one given (maxTipGwei 0.05 alone must not draw 0.1).
  const minGwei = c?.minTipGwei ?? Math.min(DEFAULT_TIP_POLICY.minGwei, c?.maxTipGwei ?? Infinity);
  return {
    minGwei,
    maxGwei: c?.maxTipGwei ?? Math.max(DEFAULT_TIP_POLICY.maxGwei, minGwei),
    distribution: c?.tipDistribution ?? DEFAULT_TIP_POLICY.distribution,
  };
}

export function contractGroups(mix: Mix): ContractGroup[] {
  return [...new Set(typesOf(mix).flatMap((t) => (TYPE_SPECS[t].contracts ? [TYPE_SPECS[t].contracts!] : [])))];
}

/**
 * Whether blocks' receipts must be read: a contract call can revert (counted failed, not
 * confirmed), and a type's gas varies. A plain transfer does neither, and the fastest runs skip them.
 */
export const needsReceipts = (mix: Mix): boolean => typesOf(mix).some((t) => t !== "eth-transfer");

/** What funding plans one transaction at: the costliest type of the mix (gas and value). */
export function fundingUnit(mix: Mix): { gas: bigint; value: bigint } {
  let gas = 0n;
  let value = 0n;
  for (const t of typesOf(mix)) {
    if (TYPE_SPECS[t].gas > gas) gas = TYPE_SPECS[t].gas;
    if (TYPE_SPECS[t].value > value) value = TYPE_SPECS[t].value;
  }
  return { gas, value };
}

/** Transactions of `type` one account is expected to send: its share of the run's expected count. */
export function expectedOfType(mix: Mix, type: TransactionType, expectedPerAccount: number): number {
  const weight = typesOf(mix).reduce((sum, t) => sum + mix[t]!, 0);
  return weight === 0 ? 0 : (expectedPerAccount * (mix[type] ?? 0)) / weight;
}

/** NFTs minted per sender: its expected erc721 transfers with room for a faster run than planned. */
export const nftsNeeded = (expected: number): number => Math.ceil(expected * 1.5) + 4;
