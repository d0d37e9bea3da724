/** A small Node client of the HTTP API, shared by the demo, the benchmark and the e2e tests. */
import type { TestMetrics } from "../../src/metrics/test-metrics";

export const TERMINAL_STATUSES = ["completed", "stopped", "error"];

/** The API token for a worker that has one: `LOADGEN_TOKEN` in the environment (never a flag: flags end up in shell history). */
const envToken = (): string | undefined => process.env.LOADGEN_TOKEN || undefined;

export async function postJson<T = any>(url: string, body?: unknown, token: string | undefined = envToken()): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(url, { method: "POST", headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as T };
}

export async function getJson<T = any>(url: string, timeoutMs = 30_000): Promise<T> {
  const token = envToken();
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export async function startRun(baseUrl: string, request: Record<string, unknown>): Promise<string> {
  const { status, body } = await postJson<{ runId?: string; error?: string }>(`${baseUrl}/v1/start`, request);
  if (status !== 200 || !body.runId) throw new Error(`start refused (HTTP ${status}): ${body.error ?? JSON.stringify(body)}`);
  return body.runId;
}

/** Polls `/v1/status` until the run ends, calling `onTick` with every snapshot. */
export async function followRun(baseUrl: string, runId: string, onTick: (m: TestMetrics) => void = () => {}, pollMs = 1000, timeoutMs = 3_600_000): Promise<TestMetrics> {
  const deadline = Date.now() + timeoutMs;
  let unanswered = 0;
  while (Date.now() < deadline) {
    let metrics: TestMetrics;
    try {
      metrics = await getJson<TestMetrics>(`${baseUrl}/v1/status`);
      unanswered = 0;
    } catch (err) {
      // A saturated local worker may answer late; a few missed polls are not the end of the run.
      if (++unanswered >= 5) throw err;
      continue;
    }
    if (metrics.runId === runId) {
      onTick(metrics);
      if (TERMINAL_STATUSES.includes(metrics.status)) return metrics;
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
  throw new Error(`run ${runId} did not finish within ${timeoutMs} ms`);
}
