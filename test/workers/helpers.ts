/** Helpers for workerd suites: the API through SELF, and raw JSON-RPC to the test's anvil. */
import { SELF, env } from "cloudflare:test";
import type { TestMetrics } from "../../src/metrics/test-metrics";

export const rpcUrl = () => env.BUILDER_RPC_URL!;

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

export async function chainRpc<T = any>(method: string, params: unknown[] = []): Promise<T> {
  const response = await fetch(rpcUrl(), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await response.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

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

/** The anvil dev account 0, which funds the senders: its transfers are not load. */
export const DEV_FUNDER = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";

export interface ChainAudit {
  loadTransactions: number;
  senders: number;
  gaps: string[];
  poolPending: number;
  poolQueued: number;
}

/**
 * The test's own audit, written apart from the product's verification so that it can catch the
 * product's mistakes: every non-funder transaction mined after `fromBlock` is load; per sender the
 * mined nonces must run exactly from its nonce at `fromBlock` to its latest nonce.
 */
export async function auditChain(fromBlock: number): Promise<ChainAudit> {
  const head = await blockNumber();
  const nonces = new Map<string, number[]>();
  for (let n = fromBlock + 1; n <= head; n++) {
    const block = await chainRpc<{ transactions: Array<{ from: string; nonce: string }> }>("eth_getBlockByNumber", [`0x${n.toString(16)}`, true]);
    for (const tx of block.transactions) {
      const from = tx.from.toLowerCase();
      if (from === DEV_FUNDER) continue;
      nonces.set(from, [...(nonces.get(from) ?? []), Number(tx.nonce)]);
    }
  }
  const gaps: string[] = [];
  let loadTransactions = 0;
  for (const [address, list] of nonces) {
    loadTransactions += list.length;
    const start = Number(await chainRpc<string>("eth_getTransactionCount", [address, `0x${fromBlock.toString(16)}`]));
    const end = Number(await chainRpc<string>("eth_getTransactionCount", [address, "latest"]));
    const sorted = [...list].sort((a, b) => a - b);
    const expected = Array.from({ length: end - start }, (_, i) => start + i);
    if (JSON.stringify(sorted) !== JSON.stringify(expected)) gaps.push(`${address}: mined ${sorted.length} nonces, expected ${start}..${end - 1}`);
  }
  const pool = await chainRpc<{ pending: string; queued: string }>("txpool_status");
  return { loadTransactions, senders: nonces.size, gaps, poolPending: Number(pool.pending), poolQueued: Number(pool.queued) };
}
