/**
 * Access rules of PRODUCT.md §10: the API token, the dev-chain-only rule without it, JSON bodies
 * of at most 64 KiB, no CORS.
 *
 * API_TOKEN is given per request: `app.request(path, init, bindings)` runs the worker's Hono app
 * with the pool's bindings plus the ones a test sets, so a refused request never reaches a Durable
 * Object. The other chain is a second real anvil started with another chain id
 * (test/support/global-anvil.ts). Body rules go through SELF, the worker's own entry, with the
 * pool's bindings (no API_TOKEN).
 */
import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { app } from "../../src/api/app";
import { DEV_CHAIN_ID } from "../../src/config";
import { database } from "../../src/db/queries";
import { schedules, testRuns } from "../../src/db/schema";
import { tokenFromProtocols, tokenProtocol } from "../../src/api/ws-token";
import { jsonRpc } from "../../scripts/lib/json-rpc";
import { api } from "./helpers";

interface ErrorBody {
  error: string;
  details?: unknown;
}

const TOKEN = "tok-3f9a7c1e5b2d";
const withToken = (extra: Record<string, string> = {}) => ({ ...env, API_TOKEN: TOKEN, ...extra });
const otherChain = () => ({ BUILDER_RPC_URL: env.TEST_OTHER_CHAIN_URL, L2_RPC_URL: env.TEST_OTHER_CHAIN_URL });
/** An EXECUTION_LAYER that names no layer: /start and /recycle refuse it (422) just after the chain checks, before any lock or send. */
const STOP_AFTER_CHAIN_CHECKS = { EXECUTION_LAYER: "no-such-layer" };
const VALID_START = { pattern: "constant", durationSec: 5, constantRate: 10 };
const UNKNOWN_RUN = crypto.randomUUID();
const ACCESS_SCHEDULE = "access-test schedule";

const json = (body: unknown, headers: Record<string, string> = {}) => ({ headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Every route of the API, reads and writes, each with a body it would accept. */
const ROUTES: Array<{ method: string; path: string; body?: unknown }> = [
  { method: "GET", path: "/v1/status" },
  { method: "GET", path: "/status" },
  { method: "GET", path: "/v1/history" },
  { method: "GET", path: `/v1/history/${UNKNOWN_RUN}` },
  { method: "GET", path: `/v1/history/${UNKNOWN_RUN}/transactions` },
  { method: "GET", path: "/v1/layers" },
  { method: "GET", path: "/v1/ready" },
  { method: "GET", path: "/v1/metrics" },
  { method: "GET", path: "/metrics" },
  { method: "GET", path: "/v1/openapi.json" },
  { method: "GET", path: "/v1/schedules" },
  { method: "GET", path: `/v1/schedules/${UNKNOWN_RUN}` },
  { method: "GET", path: "/v1/no-such-route" },
  { method: "POST", path: "/v1/start", body: VALID_START },
  { method: "POST", path: "/start", body: VALID_START },
  { method: "POST", path: "/v1/stop" },
  { method: "POST", path: "/v1/reset" },
  { method: "POST", path: "/v1/recycle", body: {} },
  { method: "PATCH", path: `/v1/history/${UNKNOWN_RUN}`, body: { isFavorite: true } },
  { method: "DELETE", path: `/v1/history/${UNKNOWN_RUN}` },
  // Disabled, and removed again by the test that lets it through: it never fires.
  { method: "POST", path: "/v1/schedules", body: { name: ACCESS_SCHEDULE, cron: "0 0 1 1 *", enabled: false, request: VALID_START } },
  { method: "PATCH", path: `/v1/schedules/${UNKNOWN_RUN}`, body: { enabled: false } },
  { method: "DELETE", path: `/v1/schedules/${UNKNOWN_RUN}` },
];

async function call(route: (typeof ROUTES)[number], headers: Record<string, string>, bindings: object) {
  const init = route.body === undefined ? { method: route.method, headers } : { method: route.method, ...json(route.body, headers) };
  return app.request(route.path, init, bindings);
}

async function expect401(response: Response): Promise<ErrorBody> {
  expect(response.status).toBe(401);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  expect(response.headers.get("www-authenticate")).toMatch(/^Bearer\b/);
  const text = await response.text();
  expect(text).not.toContain(TOKEN);
  const body = JSON.parse(text) as ErrorBody;
  expect(typeof body.error).toBe("string");
  return body;
}

describe("with API_TOKEN set", () => {
  /** What the refusals run with: should a request ever get past the token, it stops at once (503, 422) instead of driving the shared anvil. */
  const refusing = () => withToken({ BUILDER_RPC_URL: "http://127.0.0.1:9", ...STOP_AFTER_CHAIN_CHECKS });

  for (const route of ROUTES) {
    const name = `${route.method} ${route.path}`;

    it(`${name}: 401 without a token, with a wrong one, and with the token not sent as a Bearer credential`, async () => {
      for (const headers of [
        {},
        bearer("wrong"),
        bearer(TOKEN.slice(0, -1)),
        bearer(`${TOKEN}x`),
        { authorization: TOKEN },
        { authorization: `Basic ${btoa(`user:${TOKEN}`)}` },
        { authorization: `Bearer ${TOKEN} extra` },
      ]) {
        await expect401(await call(route, headers, refusing()));
      }
    });

    it(`${name}: 401 with the right token in the query of a request that is not a WebSocket upgrade`, async () => {
      const sep = route.path.includes("?") ? "&" : "?";
      await expect401(await call({ ...route, path: `${route.path}${sep}token=${TOKEN}` }, {}, refusing()));
    });
  }

  it("lets the right token through on every route (reads 200; writes reach their own checks)", async () => {
    // Writes use a builder that cannot answer, so none of them starts anything on the shared anvil.
    const dead = withToken({ BUILDER_RPC_URL: "http://127.0.0.1:9" });
    const expected: Record<string, number> = {
      "GET /v1/status": 200,
      "GET /status": 200,
      "GET /v1/history": 200,
      [`GET /v1/history/${UNKNOWN_RUN}`]: 404,
      [`GET /v1/history/${UNKNOWN_RUN}/transactions`]: 404,
      "GET /v1/layers": 200,
      "GET /v1/ready": 200,
      "GET /v1/schedules": 200,
      [`GET /v1/schedules/${UNKNOWN_RUN}`]: 404,
      "GET /v1/no-such-route": 404,
      "POST /v1/start": 503,
      "POST /start": 503,
      "POST /v1/stop": 409,
      "POST /v1/reset": 409,
      "POST /v1/recycle": 503,
      [`PATCH /v1/history/${UNKNOWN_RUN}`]: 404,
      [`DELETE /v1/history/${UNKNOWN_RUN}`]: 404,
      "POST /v1/schedules": 201,
      [`PATCH /v1/schedules/${UNKNOWN_RUN}`]: 404,
      [`DELETE /v1/schedules/${UNKNOWN_RUN}`]: 404,
    };
    for (const route of ROUTES) {
      const name = `${route.method} ${route.path}`;
      const bindings = route.method === "GET" ? withToken() : dead;
      const response = await call(route, bearer(TOKEN), bindings);
      expect({ name, status: response.status }).toEqual({ name, status: expected[name] ?? 200 });
      expect(await response.text()).not.toContain(TOKEN);
    }
    await database(env.DB).delete(schedules).where(eq(schedules.name, ACCESS_SCHEDULE));
  });

  it("reads the scheme name in any case", async () => {
    for (const scheme of ["Bearer", "bearer", "BEARER"]) {
      const response = await app.request("/v1/status", { headers: { authorization: `${scheme} ${TOKEN}` } }, withToken());
      expect(response.status).toBe(200);
    }
  });

  it("leaves the health check open, under /v1 and unversioned", async () => {
    for (const path of ["/v1/health", "/health"]) {
      const response = await app.request(path, {}, withToken());
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: "ok" });
    }
  });

  it("says that a token is needed, without one, and nothing else", async () => {
    for (const path of ["/v1/auth", "/auth"]) {
      const response = await app.request(path, {}, withToken());
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ tokenRequired: true });
    }
    expect(await (await app.request("/v1/auth", {}, env)).json()).toEqual({ tokenRequired: false });
  });

  it("takes the token as a subprotocol on a WebSocket upgrade (for /v1/ws), only the right one, never from the URL", async () => {
    const upgrade = { upgrade: "websocket", connection: "Upgrade" };
    const offering = (token: string) => ({ ...upgrade, "sec-websocket-protocol": `loadgen, ${tokenProtocol(token)}` });
    const right = await app.request("/v1/ws", { headers: offering(TOKEN) }, withToken());
    expect(right.status).toBe(101);
    // The answer names the feed's protocol, never the entry that carries the token.
    expect(right.headers.get("sec-websocket-protocol")).toBe("loadgen");
    right.webSocket!.accept();
    right.webSocket!.close(1000);
    await expect401(await app.request("/v1/ws", { headers: offering("wrong") }, withToken()));
    await expect401(await app.request("/v1/ws", { headers: { ...upgrade, "sec-websocket-protocol": "loadgen, loadgen.bearer.%%%" } }, withToken()));
    await expect401(await app.request("/v1/ws", { headers: upgrade }, withToken()));
    // A token in the URL would be written to request logs: refused even on an upgrade.
    await expect401(await app.request(`/v1/ws?token=${TOKEN}`, { headers: upgrade }, withToken()));
    // The header works there too.
    const bearerUpgrade = await app.request("/v1/ws", { headers: { ...upgrade, ...bearer(TOKEN) } }, withToken());
    expect(bearerUpgrade.status).toBe(101);
    bearerUpgrade.webSocket!.accept();
    bearerUpgrade.webSocket!.close(1000);
  });

  it("encodes any token as a subprotocol (an HTTP token) and reads it back", () => {
    for (const token of [TOKEN, "a/b+c=d e", "ünïcødé-🔑", "x"]) {
      const entry = tokenProtocol(token);
      expect(entry).toMatch(/^loadgen\.bearer\.[A-Za-z0-9_-]+$/);
      expect(tokenFromProtocols(`loadgen, ${entry}`)).toBe(token);
    }
    expect(tokenFromProtocols("loadgen")).toBeUndefined();
    expect(tokenFromProtocols(undefined)).toBeUndefined();
    expect(tokenFromProtocols("loadgen.bearer.")).toBeUndefined();
  });

  it("checks the token before reading a body: an oversized or non-JSON body without the token is a 401", async () => {
    await expect401(await app.request("/v1/start", { method: "POST", headers: { "content-type": "text/plain" }, body: "x" }, refusing()));
    await expect401(await app.request("/v1/start", { method: "POST", ...json({ pad: "x".repeat(70 * 1024) }) }, refusing()));
  });
});

describe("without API_TOKEN: signing only on the dev chain", () => {
  it("the other anvil really is another chain", async () => {
    const chainId = Number(await jsonRpc<string>(env.TEST_OTHER_CHAIN_URL, "eth_chainId"));
    expect(chainId).not.toBe(DEV_CHAIN_ID);
    expect(Number(await jsonRpc<string>(env.TEST_ANVIL_URL, "eth_chainId"))).toBe(DEV_CHAIN_ID);
  });

  for (const [path, body] of [
    ["/v1/start", VALID_START],
    ["/start", VALID_START],
    ["/v1/recycle", {}],
  ] as const) {
    it(`refuses POST ${path} on another chain with 401 telling the operator to set API_TOKEN, and leaves no trace`, async () => {
      const runsBefore = await database(env.DB).$count(testRuns);
      // A funder is configured, so only the missing token stands in the way; were the rule ever
      // gone, the bad EXECUTION_LAYER would still stop the request (422) before anything is signed.
      const funded = { ...env, ...otherChain(), ...STOP_AFTER_CHAIN_CHECKS, FUNDER_MNEMONIC: "legal winner thank year wave sausage worth useful legal winner thank yellow" };
      const response = await app.request(path, { method: "POST", ...json(body) }, funded);
      const refusal = await expect401(response);
      expect(refusal.error).toMatch(/API_TOKEN/);
      expect(refusal.error).toMatch(/wrangler secret put API_TOKEN/);
      expect(refusal.error).toContain(`chain ${Number(await jsonRpc<string>(env.TEST_OTHER_CHAIN_URL, "eth_chainId"))} `);
      expect(await database(env.DB).$count(testRuns)).toBe(runsBefore);
    });
  }

  it("lets start and recycle through on the dev chain (they stop at the next check, a bad EXECUTION_LAYER)", async () => {
    for (const [path, body] of [
      ["/v1/start", VALID_START],
      ["/v1/recycle", {}],
    ] as const) {
      const response = await app.request(path, { method: "POST", ...json(body) }, { ...env, ...STOP_AFTER_CHAIN_CHECKS });
      expect(response.status).toBe(422);
      expect(((await response.json()) as ErrorBody).error).toMatch(/EXECUTION_LAYER/);
    }
  });

  it("keeps reads open on the other chain", async () => {
    for (const path of ["/v1/status", "/v1/history?limit=1", "/v1/layers", "/v1/ready"]) {
      const response = await app.request(path, {}, { ...env, ...otherChain() });
      expect({ path, status: response.status }).toEqual({ path, status: 200 });
    }
  });

  it("with API_TOKEN set and sent, the other chain gets past the access check to the funder check (422)", async () => {
    const response = await app.request("/v1/start", { method: "POST", ...json(VALID_START, bearer(TOKEN)) }, withToken(otherChain()));
    expect(response.status).toBe(422);
    expect(((await response.json()) as ErrorBody).error).toMatch(/FUNDER_PRIVATE_KEY or FUNDER_MNEMONIC/);
  });
});

describe("request bodies", () => {
  const KIB = 1024;
  /** A JSON body of exactly `bytes` bytes that /start refuses for its unknown field (400), once read. */
  const paddedStart = (bytes: number) => {
    const shell = JSON.stringify({ ...VALID_START, pad: "" });
    return JSON.stringify({ ...VALID_START, pad: "x".repeat(bytes - shell.length) });
  };
  /** The same bytes as a stream without a length: the request goes out chunked. */
  const chunked = (text: string, chunkBytes = KIB) => {
    const bytes = new TextEncoder().encode(text);
    let offset = 0;
    return new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= bytes.length) return controller.close();
        controller.enqueue(bytes.slice(offset, offset + chunkBytes));
        offset += chunkBytes;
      },
    });
  };

  it("refuses a body that is not application/json with 415, on every method that takes one", async () => {
    // Bodies the routes would refuse (400) once read: a broken rule fails here without starting anything.
    const start = JSON.stringify({ ...VALID_START, durationSec: 0 });
    const cases: Array<[string, string, Record<string, string>, BodyInit]> = [
      ["POST", "/v1/start", { "content-type": "text/plain" }, start],
      ["POST", "/v1/start", { "content-type": "application/x-www-form-urlencoded" }, "pattern=constant"],
      ["POST", "/v1/start", { "content-type": "multipart/form-data; boundary=x" }, "--x--"],
      ["POST", "/v1/recycle", { "content-type": "application/jsonp" }, '{"accounts":3}'],
      // No Content-Type at all: bytes are not given one by fetch.
      ["POST", "/start", {}, new TextEncoder().encode(start)],
      ["PATCH", `/v1/history/${UNKNOWN_RUN}`, { "content-type": "text/plain" }, '{"isFavorite":true}'],
      ["DELETE", `/v1/history/${UNKNOWN_RUN}`, { "content-type": "text/plain" }, "{}"],
      ["POST", "/v1/schedules", { "content-type": "text/plain" }, '{"cron":"0 0 1 1 *"}'],
      ["PATCH", `/v1/schedules/${UNKNOWN_RUN}`, { "content-type": "text/plain" }, '{"enabled":false}'],
    ];
    for (const [method, path, headers, body] of cases) {
      const response = await api(path, { method, headers, body });
      expect({ method, path, status: response.status }).toEqual({ method, path, status: 415 });
      const answer = (await response.json()) as ErrorBody;
      expect(answer.error).toMatch(/application\/json/);
    }
  });

  it("accepts application/json with parameters, and bodiless POSTs need no Content-Type", async () => {
    const typed = await api("/v1/start", { method: "POST", headers: { "content-type": "Application/JSON; charset=utf-8" }, body: JSON.stringify({ ...VALID_START, durationSec: 0 }) });
    expect(typed.status).toBe(400);
    const stop = await api("/v1/stop", { method: "POST" });
    expect(stop.status).toBe(409);
  });

  it("refuses a 65 KiB body with 413 (declared length), and reads one of exactly 64 KiB", async () => {
    const over = await api("/v1/start", { method: "POST", headers: { "content-type": "application/json" }, body: paddedStart(65 * KIB) });
    expect(over.status).toBe(413);
    expect(over.headers.get("content-type")).toMatch(/^application\/json/);
    expect(((await over.json()) as ErrorBody).error).toMatch(/64 KiB/);

    const atLimit = await api("/v1/start", { method: "POST", headers: { "content-type": "application/json" }, body: paddedStart(64 * KIB) });
    expect(atLimit.status).toBe(400);
    expect(JSON.stringify(await atLimit.json())).toContain("pad");
  });

  it("refuses a chunked 65 KiB body with 413, and reads a chunked one of 63 KiB", async () => {
    const over = await api("/v1/start", { method: "POST", headers: { "content-type": "application/json" }, body: chunked(paddedStart(65 * KIB)) });
    expect(over.status).toBe(413);
    const under = await api("/v1/start", { method: "POST", headers: { "content-type": "application/json" }, body: chunked(paddedStart(63 * KIB)) });
    expect(under.status).toBe(400);
    expect(JSON.stringify(await under.json())).toContain("pad");
  });

  it("stops reading a chunked body at the limit: an endless one is refused, not read to its end", async () => {
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        // A bound, so that a worker that did read everything fails the test instead of hanging it.
        if (pulled >= 64 * 1024 * KIB) return controller.close();
        controller.enqueue(new Uint8Array(16 * KIB).fill(0x20));
        pulled += 16 * KIB;
      },
    });
    const response = await api("/v1/start", { method: "POST", headers: { "content-type": "application/json" }, body: endless });
    expect(response.status).toBe(413);
    expect(pulled).toBeLessThan(8 * 1024 * KIB);
  });
});

describe("no CORS", () => {
  const accessControl = (response: Response) => [...response.headers.keys()].filter((name) => name.toLowerCase().startsWith("access-control-"));

  it("answers a preflight without any Access-Control-* header, with and without API_TOKEN", async () => {
    const preflight = {
      method: "OPTIONS",
      headers: { origin: "https://elsewhere.example", "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" },
    };
    for (const path of ["/v1/start", "/v1/status", "/v1/health", "/start"]) {
      for (const bindings of [env, withToken()]) {
        const response = await app.request(path, preflight, bindings);
        expect(accessControl(response)).toEqual([]);
        expect(response.status).toBeGreaterThanOrEqual(400);
      }
    }
  });

  it("sends no Access-Control-* header on a cross-origin read or write", async () => {
    const origin = { origin: "https://elsewhere.example" };
    const read = await api("/v1/status", { headers: origin });
    expect(read.status).toBe(200);
    expect(accessControl(read)).toEqual([]);
    const write = await api("/v1/stop", { method: "POST", headers: origin });
    expect(accessControl(write)).toEqual([]);
    const authorised = await app.request("/v1/status", { headers: { ...origin, ...bearer(TOKEN) } }, withToken());
    expect(authorised.status).toBe(200);
    expect(accessControl(authorised)).toEqual([]);
  });
});

describe("secrets stay inside", () => {
  /** Valid hex, but above the secp256k1 order: the signing library's own error would quote it (in decimal). */
  const OUT_OF_RANGE_KEY = `0x${"f".repeat(63)}0`;
  const forms = [OUT_OF_RANGE_KEY.slice(2), BigInt(OUT_OF_RANGE_KEY).toString()];
  const logged: string[] = [];

  afterEach(() => {
    vi.restoreAllMocks();
    logged.length = 0;
  });

  it("a funder key that is not a key is refused with 422 naming the secret, not quoting it", async () => {
    for (const level of ["log", "warn", "error"] as const) vi.spyOn(console, level).mockImplementation((...args) => void logged.push(args.map(String).join(" ")));
    for (const [path, body] of [
      ["/v1/start", VALID_START],
      ["/v1/recycle", {}],
    ] as const) {
      const response = await app.request(path, { method: "POST", ...json(body) }, { ...env, FUNDER_PRIVATE_KEY: OUT_OF_RANGE_KEY });
      expect(response.status).toBe(422);
      const text = await response.text();
      expect(text).toMatch(/FUNDER_PRIVATE_KEY is not a valid private key/);
      for (const form of forms) expect(text.toLowerCase()).not.toContain(form);
    }
    for (const line of logged) for (const form of forms) expect(line.toLowerCase()).not.toContain(form);
  });
});
