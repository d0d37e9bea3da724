/**
 * The builder's GET /status: the known fields with their types checked, and every way the request
 * can fail, against a real HTTP server (the stand-in builder, test/support/feed-server.ts) and anvil.
 */
import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { builderStatusUrl, fetchBuilderStatus, parseBuilderStatus } from "../../src/feeds/builder-status";

const server = () => env.TEST_FEED_SERVER_URL;
const control = (path: string, init?: RequestInit) => fetch(`${server()}/control${path}`, init);
const serveStatus = (status: { code?: number; body?: string; delayMs?: number }) => control("/status", { method: "PUT", body: JSON.stringify(status) });

const GOOD = {
  pendingTxCount: 42,
  maxTxsPerBlock: 5_000,
  blockTimeMs: 150,
  gasLimit: "0x1c9c380",
  txOrdering: "fifo",
  enablePreconfirmations: true,
  version: "blockbuilder/v0.9.1",
  mempool: { secretPeers: ["10.0.0.1"] },
};

describe("parseBuilderStatus", () => {
  it("keeps the known fields, typed; drops the unknown ones", () => {
    expect(parseBuilderStatus(GOOD)).toEqual({
      ok: true,
      status: { pendingTxCount: 42, maxTxsPerBlock: 5_000, blockTimeMs: 150, gasLimit: 30_000_000, txOrdering: "fifo", enablePreconfirmations: true, version: "blockbuilder/v0.9.1" },
      invalidFields: [],
    });
  });

  it("leaves out a known field of the wrong type, and names it", () => {
    const m = parseBuilderStatus({ pendingTxCount: -1, maxTxsPerBlock: "lots", blockTimeMs: "150", enablePreconfirmations: "yes", version: "v".repeat(500), txOrdering: 3, gasLimit: null });
    expect(m).toEqual({ ok: true, status: { blockTimeMs: 150 }, invalidFields: ["pendingTxCount", "maxTxsPerBlock", "txOrdering", "enablePreconfirmations", "version"] });
    expect(parseBuilderStatus([GOOD])).toEqual({ ok: false, error: "status is not a JSON object" });
  });

  it("is at the origin of BUILDER_RPC_URL, whatever its path and query", () => {
    expect(builderStatusUrl("https://builder.example:8443/rpc/v1?key=1").href).toBe("https://builder.example:8443/status");
  });
});

describe("fetchBuilderStatus against a real server", () => {
  beforeEach(async () => {
    await control("/reset", { method: "POST" });
  });

  it("reads the status at the origin, sending the URL's userinfo as basic auth and never its path or query", async () => {
    await serveStatus({ code: 200, body: JSON.stringify(GOOD) });
    const rpc = new URL(server());
    rpc.username = "loadgen";
    rpc.password = "s3cret";
    rpc.pathname = "/rpc/provider-key";
    rpc.search = "?token=abc";
    const m = await fetchBuilderStatus(rpc.href);
    expect(m).toMatchObject({ ok: true, status: { pendingTxCount: 42, gasLimit: 30_000_000, txOrdering: "fifo" }, invalidFields: [] });
    expect(await (await control("/status-request")).json()).toEqual({ authorization: `Basic ${btoa("loadgen:s3cret")}`, search: "" });
  });

  it("answers { ok: false, error } for a non-2xx answer, a body that is no JSON or too large, naming the URL without credentials", async () => {
    const rpc = server().replace("http://", "http://user:pw-secret@");
    const where = `${server()}/status`;
    expect(await fetchBuilderStatus(rpc)).toEqual({ ok: false, error: `HTTP 404 from ${where}` });
    await serveStatus({ code: 200, body: "<html>builder</html>" });
    expect(await fetchBuilderStatus(rpc)).toEqual({ ok: false, error: `answer from ${where} is not JSON` });
    await serveStatus({ code: 200, body: JSON.stringify({ pad: "x".repeat(70_000) }) });
    expect(await fetchBuilderStatus(rpc)).toEqual({ ok: false, error: `answer from ${where} is over 65536 bytes` });
    await serveStatus({ code: 200, body: "[1]" });
    expect(await fetchBuilderStatus(rpc)).toEqual({ ok: false, error: "status is not a JSON object" });
  });

  it("gives up after its timeout", async () => {
    await serveStatus({ code: 200, body: JSON.stringify(GOOD), delayMs: 3_000 });
    const started = Date.now();
    expect(await fetchBuilderStatus(server(), 300)).toEqual({ ok: false, error: `no answer from ${server()}/status within 300 ms` });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("never throws: a closed port, a URL that is none, a node with no /status (anvil)", async () => {
    const closed = await fetchBuilderStatus("http://user:pw-secret@127.0.0.1:9/rpc");
    expect(closed.ok).toBe(false);
    expect(!closed.ok && closed.error).toMatch(/^http:\/\/127\.0\.0\.1:9\/status unreachable/);
    expect(!closed.ok && closed.error).not.toContain("pw-secret");
    expect(await fetchBuilderStatus("not a url")).toEqual({ ok: false, error: "BUILDER_RPC_URL is not a URL" });
    const anvil = await fetchBuilderStatus(env.TEST_ANVIL_URL);
    expect(anvil.ok).toBe(false);
  });
});
