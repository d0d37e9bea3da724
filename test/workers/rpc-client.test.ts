/**
 * The JSON-RPC client's safe edges, against the real anvil behind the real fault proxy: batches
 * split into requests of at most 500 calls sent one after another, redirects refused (a followed
 * 307 would re-POST signed transactions to another host), and response bodies bounded.
 */
import { keccak256, toHex } from "viem";
import { afterEach, describe, expect, it } from "vitest";
import { RpcError } from "../../src/errors";
import { JsonRpcClient, MAX_BATCH_BYTES, MAX_BATCH_CALLS, type RpcCall } from "../../src/chain/rpc";
import { jsonArrays, splitBatches } from "../../src/json-batches";
import { DEV_FUNDER, chainRpc, faultStats, resetFaultStats, rpcUrl, setFaults } from "./helpers";

/** Not a valid transaction: every fault used here answers without forwarding, so anvil never sees it. */
const RAW = "0xdeadbeef";
const send = (raw: string = RAW): RpcCall => ({ method: "eth_sendRawTransaction", params: [raw] });

async function rejection(promise: Promise<unknown>): Promise<RpcError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, "the call should have been refused").toBeInstanceOf(RpcError);
  return err as RpcError;
}

afterEach(async () => {
  await setFaults({});
});

describe("batches over MAX_BATCH_CALLS", () => {
  it("go out as consecutive requests of at most 500 calls, outcomes in the order of the calls", async () => {
    expect(MAX_BATCH_CALLS).toBe(500);
    const balance = await chainRpc<string>("eth_getBalance", [DEV_FUNDER, "latest"]);
    // Three kinds of answers, and web3_sha3 of the index tells every position apart.
    const calls: RpcCall[] = Array.from({ length: 1_200 }, (_, i) =>
      i % 3 === 0 ? { method: "eth_chainId", params: [] } : i % 3 === 1 ? { method: "eth_getBalance", params: [DEV_FUNDER, "latest"] } : { method: "web3_sha3", params: [toHex(i, { size: 4 })] },
    );
    const expected = calls.map((_, i) => (i % 3 === 0 ? "0x7a69" : i % 3 === 1 ? balance : keccak256(toHex(i, { size: 4 }))));

    await resetFaultStats();
    const outcomes = await new JsonRpcClient(rpcUrl()).batch<string>(calls);
    const stats = await faultStats();

    expect(outcomes.map((o) => (o.ok ? o.result : `error: ${o.error.message}`))).toEqual(expected);
    expect(stats.requests).toBe(3);
    // One after another: the invocation's few connections are shared with other work.
    expect(stats.maxInFlight).toBe(1);
  });

  it("throw when one of the requests gets no usable answer", async () => {
    // Only the request that carries the send is redirected; the first 500 calls are answered.
    const calls: RpcCall[] = [...Array.from({ length: 600 }, () => ({ method: "eth_chainId", params: [] })), send()];
    await setFaults({ redirect: 1 });
    await resetFaultStats();
    const err = await rejection(new JsonRpcClient(rpcUrl()).batch(calls));
    expect(err.errorClass).toBe("bad-response");
    expect((await faultStats()).requests).toBe(2);
  });
});

describe("batches by bytes", () => {
  it("splitBatches cuts at the call limit and at the byte limit, and lets an oversized call go alone", () => {
    expect(splitBatches([10, 10, 10, 10, 10], 2, 1_000)).toEqual([[0, 2], [2, 4], [4, 5]]);
    // 2 brackets + (10 + 1) per item: three items take 35 bytes, a fourth would take 46.
    expect(splitBatches([10, 10, 10, 10], 500, 40)).toEqual([[0, 3], [3, 4]]);
    expect(splitBatches([5, 100, 5], 500, 50)).toEqual([[0, 1], [1, 2], [2, 3]]);
    expect(splitBatches([], 500, 50)).toEqual([]);
  });

  it("jsonArrays cuts a list into JSON arrays under the size given, every item once, in order", () => {
    const items = Array.from({ length: 1_000 }, (_, i) => ({ i, pad: "x".repeat(i % 50) }));
    const arrays = jsonArrays(items, 4_096);
    expect(arrays.length).toBeGreaterThan(5);
    for (const { json } of arrays) expect(json.length).toBeLessThanOrEqual(4_096);
    expect(arrays.flatMap(({ json, count }) => {
      const parsed = JSON.parse(json) as unknown[];
      expect(parsed.length).toBe(count);
      return parsed;
    })).toEqual(items);
  });

  it("large calls go out in requests under MAX_BATCH_BYTES, outcomes in the order of the calls", async () => {
    // 40 calls of 64 kB each: 2.5 MB, more than anvil takes in one body (2 MB) but far under 500 calls.
    const payload = (i: number) => toHex(new Uint8Array(64 * 1024).fill(i + 1));
    const calls: RpcCall[] = Array.from({ length: 40 }, (_, i) => ({ method: "web3_sha3", params: [payload(i)] }));
    await resetFaultStats();
    const outcomes = await new JsonRpcClient(rpcUrl()).batch<string>(calls);
    const stats = await faultStats();
    expect(outcomes.map((o) => (o.ok ? o.result : `error: ${o.error.message}`))).toEqual(calls.map((_, i) => keccak256(payload(i))));
    const perRequest = Math.floor(MAX_BATCH_BYTES / (128 * 1024 + 64));
    expect(stats.requests).toBe(Math.ceil(40 / perRequest));
    expect(stats.maxInFlight).toBe(1);
  });
});

describe("a redirect", () => {
  it("is refused as a bad response and never followed", async () => {
    await setFaults({ redirect: 1 });
    await resetFaultStats();
    const err = await rejection(new JsonRpcClient(rpcUrl()).batch([send()]));
    const stats = await faultStats();
    expect(err.errorClass).toBe("bad-response");
    expect(err.code).toBe(307);
    expect(stats.injected.redirect).toBe(1);
    expect(stats.redirectFollowed).toBe(0);
  });
});

describe("response bodies", () => {
  const LIMIT = 16 * 1024;

  it("over the limit, streamed without a length, are cut off and refused as a bad response", async () => {
    await setFaults({ oversize: 1, oversizeBytes: 4 * LIMIT });
    const err = await rejection(new JsonRpcClient(rpcUrl(), 10_000, { maxResponseBytes: LIMIT }).batch([send()]));
    expect(err.errorClass).toBe("bad-response");
    expect((await faultStats()).injected.oversize).toBeGreaterThan(0);
  });

  it("under the limit are read and answered, padding and all", async () => {
    // The same padded answer as above, which only its size made unusable.
    await setFaults({ oversize: 1, oversizeBytes: 4 * LIMIT });
    const outcomes = await new JsonRpcClient(rpcUrl(), 10_000, { maxResponseBytes: 8 * LIMIT }).batch<string>([send(), send("0x01")]);
    expect(outcomes).toEqual([
      { ok: true, result: keccak256(RAW) },
      { ok: true, result: keccak256("0x01") },
    ]);
  });

  it("that declare a Content-Length over the limit are refused before any of the body is read", async () => {
    // The proxy sends the header and the first KiB, then holds the rest back: a client that read
    // the body instead of trusting the header would wait for its timeout and fail as "timeout".
    await setFaults({ oversize: 1, oversizeBytes: 4 * LIMIT, oversizeLength: "declared" });
    const started = Date.now();
    const err = await rejection(new JsonRpcClient(rpcUrl(), 5_000, { maxResponseBytes: LIMIT }).batch([send()]));
    expect(err.errorClass).toBe("bad-response");
    expect(err.message).toMatch(/over the 16384-byte limit/);
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it("of an ordinary answer pass under the default limit", async () => {
    expect(await new JsonRpcClient(rpcUrl()).call<string>("eth_chainId")).toBe("0x7a69");
  });
});
