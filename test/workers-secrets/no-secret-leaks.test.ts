/**
 * PRODUCT.md §10: no error, log line or response ever carries a key, a mnemonic or the token.
 *
 * This project's worker holds API_TOKEN, FUNDER_PRIVATE_KEY, FUNDER_MNEMONIC and ACCOUNTS_MNEMONIC
 * as recognisable values (vitest.secrets.config.ts), from the start, in the API and in its Durable
 * Objects alike. A mix of requests goes through the worker's own entry (SELF): refused ones, a run
 * on the dev chain that the funder key pays for and ACCOUNTS_MNEMONIC's senders send, a run that
 * fails because the funder has run dry, a recycle. Then every response (status, headers, body),
 * every console line the worker and its objects wrote (the objects run in this isolate), and every
 * D1 row is searched for each secret, in each form it could take.
 */
import { SELF, env } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from "vitest";
import { privateKeyToAccount } from "viem/accounts";
import { DEV_MNEMONIC, redactSecrets, SECRET_NAMES } from "../../src/config";
import type { TestMetrics } from "../../src/metrics/test-metrics";
import { jsonRpc } from "../../scripts/lib/json-rpc";

const TOKEN = env.API_TOKEN!;
const KEY = env.FUNDER_PRIVATE_KEY!;
const FUNDER_MNEMONIC = env.FUNDER_MNEMONIC!;
const ACCOUNTS_MNEMONIC = env.ACCOUNTS_MNEMONIC!;

/** Each secret as it could show up: the key in hex (any case, with or without 0x) or as the number it is. */
const FORBIDDEN: Array<[string, string]> = [
  ["API_TOKEN", TOKEN],
  ["FUNDER_PRIVATE_KEY (hex)", KEY.slice(2)],
  ["FUNDER_PRIVATE_KEY (decimal)", BigInt(KEY).toString()],
  ["FUNDER_MNEMONIC", FUNDER_MNEMONIC],
  ["ACCOUNTS_MNEMONIC", ACCOUNTS_MNEMONIC],
  // A mnemonic cut short or re-joined is still a leak: the first four words are enough to look for.
  ["FUNDER_MNEMONIC (words)", FUNDER_MNEMONIC.split(" ").slice(0, 4).join(" ")],
  ["ACCOUNTS_MNEMONIC (words)", ACCOUNTS_MNEMONIC.split(" ").slice(0, 4).join(" ")],
];

const leaksIn = (text: string) => FORBIDDEN.filter(([, secret]) => text.toLowerCase().includes(secret.toLowerCase())).map(([name]) => name);

/** What the worker answered (not what was asked: one request below carries the token in its URL on purpose). */
const responses: Array<{ request: string; answer: string }> = [];
const spies: MockInstance[] = [];
const logLines = () => spies.flatMap((spy) => spy.mock.calls.map((args) => args.map((a) => (a instanceof Error ? `${a.message} ${a.stack}` : typeof a === "string" ? a : JSON.stringify(a))).join(" ")));

/** Every request goes through the worker entry; its whole answer is kept for the search. */
async function request(path: string, init: RequestInit & { json?: unknown; token?: string | null } = {}): Promise<{ status: number; body: any }> {
  const { json, token = TOKEN, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (token !== null) headers.set("authorization", `Bearer ${token}`);
  if (json !== undefined) headers.set("content-type", "application/json");
  const response = await SELF.fetch(`http://loadgen.test${path}`, { ...rest, headers, body: json === undefined ? rest.body : JSON.stringify(json) });
  const text = await response.text();
  responses.push({ request: `${rest.method ?? "GET"} ${path.split("?")[0]}`, answer: `${response.status} ${JSON.stringify([...response.headers])} ${text}` });
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Prometheus text and the like stay text.
  }
  return { status: response.status, body };
}

async function runUntilEnded(runId: string): Promise<TestMetrics> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    const { body } = await request("/v1/status");
    if (body.runId === runId && ["completed", "stopped", "error"].includes(body.status)) return body;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`run ${runId} did not end`);
}

const funder = privateKeyToAccount(KEY as `0x${string}`).address;
const setFunderBalance = (wei: bigint) => jsonRpc(env.TEST_ANVIL_URL, "anvil_setBalance", [funder, `0x${wei.toString(16)}`]);
const RUN = { pattern: "constant", durationSec: 2, constantRate: 5, numAccounts: 2 } as const;

beforeAll(() => {
  for (const level of ["log", "info", "warn", "error", "debug"] as const) spies.push(vi.spyOn(console, level));
});

afterAll(() => {
  for (const spy of spies) spy.mockRestore();
});

describe("secrets never leave the worker", () => {
  it("holds recognisable secrets (else this suite proves nothing)", () => {
    expect(TOKEN.length).toBeGreaterThanOrEqual(16);
    expect(KEY).toMatch(/^0x[0-9a-f]{64}$/);
    for (const mnemonic of [FUNDER_MNEMONIC, ACCOUNTS_MNEMONIC]) {
      expect(mnemonic.split(" ")).toHaveLength(12);
      expect(mnemonic).not.toBe(DEV_MNEMONIC);
    }
  });

  it("redactSecrets, the last net under error text, covers every secret binding in the forms it takes", () => {
    const text = [TOKEN, KEY, KEY.slice(2).toUpperCase(), `0X${KEY.slice(2)}`, FUNDER_MNEMONIC, ACCOUNTS_MNEMONIC].map((s) => `<${s}>`).join(" ");
    expect(redactSecrets(env, text)).toBe("<[redacted]> <0x[redacted]> <[redacted]> <0X[redacted]> <[redacted]> <[redacted]>");
    expect(SECRET_NAMES.every((name) => env[name])).toBe(true);
    // A secret that holds another goes whole: the longest is redacted first.
    const nested = { ...env, API_TOKEN: "ladder", ACCOUNTS_MNEMONIC: "rope ladder wall" };
    expect(redactSecrets(nested, "a rope ladder wall")).toBe("a [redacted]");
  });

  it("refuses requests without the right token", async () => {
    expect((await request("/v1/status", { token: null })).status).toBe(401);
    expect((await request("/v1/status", { token: `${TOKEN.slice(0, -1)}0` })).status).toBe(401);
    expect((await request("/v1/start", { method: "POST", json: RUN, token: "wrong" })).status).toBe(401);
    // The token in the URL of a plain request is not taken, and not repeated.
    expect((await request(`/v1/history?token=${TOKEN}`, { token: null })).status).toBe(401);
    expect((await request("/v1/health", { token: null })).status).toBe(200);
  });

  it("answers the right token, and refuses bad bodies", async () => {
    expect((await request("/v1/status")).status).toBe(200);
    expect((await request("/v1/layers")).status).toBe(200);
    expect((await request("/v1/start", { method: "POST", json: { ...RUN, durationSec: 0 } })).status).toBe(400);
    expect((await request("/v1/start", { method: "POST", headers: { "content-type": "text/plain" }, body: JSON.stringify(RUN) })).status).toBe(415);
    expect((await request("/v1/start", { method: "POST", json: { ...RUN, pad: "x".repeat(70 * 1024) } })).status).toBe(413);
  });

  it("runs on the dev chain with the funder key and ACCOUNTS_MNEMONIC's senders", async () => {
    await setFunderBalance(10n ** 22n);
    const { status, body } = await request("/v1/start", { method: "POST", json: RUN });
    expect(status, JSON.stringify(body)).toBe(200);
    const metrics = await runUntilEnded(body.runId);
    expect(metrics.status).toBe("completed");
    expect(metrics.txConfirmed).toBeGreaterThan(0);
    expect(metrics.verification).toMatchObject({ verified: true });
    await request(`/v1/history/${body.runId}`);
    await request(`/v1/history/${body.runId}/transactions?limit=1000`);
  });

  it("fails a start whose funder has run dry, and says so without any secret", async () => {
    await setFunderBalance(0n);
    // Two more senders than the last run: they need funding the funder cannot pay.
    const { status, body } = await request("/v1/start", { method: "POST", json: { ...RUN, numAccounts: 4 } });
    expect(status, JSON.stringify(body)).toBe(200);
    const metrics = await runUntilEnded(body.runId);
    expect(metrics.status).toBe("error");
    const { body: history } = await request(`/v1/history/${body.runId}`);
    expect(history.run.errorMessage).toMatch(/funder/);
    // The objects' log lines are captured here: the failure is among them.
    expect(logLines().some((line) => line.includes(body.runId) && line.includes("failed"))).toBe(true);
  });

  it("recycles the senders back to the funder", async () => {
    const { status, body } = await request("/v1/recycle", { method: "POST", json: {} });
    expect(status, JSON.stringify(body)).toBe(200);
    await request("/v1/history?limit=100");
    await request("/v1/status");
    await request("/v1/metrics");
  });

  it("no response, log line or D1 row carries a secret", async () => {
    expect(responses.length).toBeGreaterThan(10);
    for (const { request, answer } of responses) expect({ request, leaks: leaksIn(answer) }).toEqual({ request, leaks: [] });
    for (const line of logLines()) expect({ leaks: leaksIn(line), line }).toEqual({ leaks: [], line });

    const { results: tables } = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'").all<{ name: string }>();
    expect(tables.length).toBeGreaterThan(0);
    let rows = 0;
    for (const { name } of tables) {
      const { results } = await env.DB.prepare(`SELECT * FROM "${name}"`).all();
      rows += results.length;
      for (const row of results) expect({ table: name, leaks: leaksIn(JSON.stringify(row)) }).toEqual({ table: name, leaks: [] });
    }
    expect(rows).toBeGreaterThan(0);
  });
});
