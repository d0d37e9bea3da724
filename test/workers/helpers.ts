/** Helpers for workerd suites: the API through SELF, and raw JSON-RPC to the test's anvil. */
import { SELF, env } from "cloudflare:test";
import { expect } from "vitest";
import type { TestMetrics } from "../../src/metrics/test-metrics";
import { jsonRpc } from "../../scripts/lib/json-rpc";
import { placeAccounts } from "../../src/run/region-plan";
import { auditChain as auditChainAt } from "../support/chain-audit";

export { DEV_FUNDER } from "../support/chain-audit";

/** The endpoint the worker uses (the fault proxy, faults off unless a test turns them on). */
export const rpcUrl = () => env.BUILDER_RPC_URL!;
/** anvil itself: audits and test set-up bypass the proxy. */
export const anvilUrl = () => env.TEST_ANVIL_URL;

export async function api(path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
  const { json, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (json !== undefined) headers.set("content-type", "application/json");
  return SELF.fetch(`http://loadgen.test${path}`, {
    ...rest,
    headers,
    body: json === undefined ? rest.body : JSON.stringify(json),
  });
}

export async function apiJson<T = any>(path: string, init: RequestInit & { json?: unknown } = {}): Promise<{ status: number; body: T }> {
  const response = await api(path, init);
  return { status: response.status, body: (await response.json()) as T };
}

export const chainRpc = <T = any>(method: string, params: unknown[] = []) => jsonRpc<T>(anvilUrl(), method, params);

export const blockNumber = async () => Number(await chainRpc<string>("eth_blockNumber"));

const TERMINAL = ["completed", "stopped", "error"];

export async function waitForRun(runId: string, until: (m: TestMetrics) => boolean = (m) => TERMINAL.includes(m.status), timeoutMs = 90_000): Promise<TestMetrics> {
  const deadline = Date.now() + timeoutMs;
  let last: TestMetrics | undefined;
  while (Date.now() < deadline) {
    const { body } = await apiJson<TestMetrics>("/v1/status");
    last = body;
    if (body.runId === runId && until(body)) return body;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`run ${runId} did not reach the expected state; last status ${JSON.stringify(last)}`);
}

export const auditChain = (fromBlock: number, addresses?: string[]) => auditChainAt(anvilUrl(), fromBlock, addresses);

/**
 * Senders whose ledger's next nonce is not the chain's final nonce (PRODUCT.md §5: nothing signed
 * is missing from the chain, nothing mined is missing from the ledger). Empty when all agree.
 */
export async function ledgerMismatches(audit: { finalNonces: Record<string, number> }, m: Pick<TestMetrics, "accountsActive" | "regions">): Promise<string[]> {
  // Senders are placed as the run placed them: its regions in the order given, with their weights.
  const regions = Object.keys(m.regions);
  const weights = Object.fromEntries(regions.map((r) => [r, m.regions[r].weight]));
  const placed = placeAccounts(m.accountsActive, regions, weights);
  const out: string[] = [];
  for (let i = 0; i < m.accountsActive; i++) {
    const ledger = await env.ACCOUNT.get(env.ACCOUNT.idFromName(`sender:${placed[i]}:${i}`)).ledgerSnapshot();
    const onChain = audit.finalNonces[ledger.address.toLowerCase()];
    if (onChain !== undefined && onChain !== ledger.next) out.push(`${ledger.address}: ledger next ${ledger.next}, chain ${onChain}`);
  }
  return out;
}

/** A failed assertion mid-run must not leave a live run that makes the next test's start a 409. */
export async function stopLiveRun(timeoutMs?: number): Promise<void> {
  const { body } = await apiJson<TestMetrics>("/v1/status");
  if (["initializing", "running", "verifying"].includes(body.status) && body.runId) {
    await apiJson("/v1/stop", { method: "POST" });
    await waitForRun(body.runId, undefined, timeoutMs);
  }
}

/** The audit every whole run ends with: nothing lost, nothing left behind, counts equal to the chain. */
export async function expectNothingLost(m: TestMetrics, audit: Awaited<ReturnType<typeof auditChain>>) {
  expect(m.txSent).toBe(m.txConfirmed + m.txFailed + m.txDiscarded);
  expect(m.txPending).toBe(0);
  expect(audit.gaps).toEqual([]);
  expect(audit.poolPending + audit.poolQueued).toBe(0);
  // Every sender transaction in range is load or housekeeping (PRODUCT.md §13), counted as such.
  expect(audit.loadTransactions).toBe(m.txConfirmed + m.housekeeping.confirmed);
  expect(audit.senderTransactions).toBe(m.txConfirmed + m.housekeeping.confirmed);
  expect(await ledgerMismatches(audit, m)).toEqual([]);
  const onChain = m.txConfirmed + m.housekeeping.confirmed;
  expect(m.verification).toMatchObject({ verified: true, includedOnChain: onChain, poolLeftovers: 0, problems: [] });
}

export async function setFaults(config: import("../support/fault-proxy").FaultConfig): Promise<void> {
  await fetch(`${env.TEST_FAULTS_URL}/faults`, { method: "POST", body: JSON.stringify(config) });
}

export async function takeEndpointDown(ms: number): Promise<void> {
  await fetch(`${env.TEST_FAULTS_URL}/down`, { method: "POST", body: JSON.stringify({ ms }) });
}

export async function resetFaultStats(): Promise<void> {
  await fetch(`${env.TEST_FAULTS_URL}/stats/reset`, { method: "POST" });
}

export async function faultStats(): Promise<import("../support/fault-proxy").FaultStats> {
  return ((await (await fetch(`${env.TEST_FAULTS_URL}/stats`)).json()) as { stats: import("../support/fault-proxy").FaultStats }).stats;
}

export async function reportScenario(report: Record<string, unknown>): Promise<void> {
  await fetch(`${env.TEST_FAULTS_URL}/report`, { method: "POST", body: JSON.stringify(report) });
}
