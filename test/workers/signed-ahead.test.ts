/**
 * The signed-ahead window (issue 9) in a real account object against the real anvil: after a
 * burst the object signs its next nonces while it waits; the next burst sends them without signing;
 * a fee change, a free nonce below the window, a resync and the end of sending drop the window and
 * give its nonces back. The invariant checked throughout: every nonce the chain holds for the
 * account carries exactly one of our transactions, contiguous, and the ledger ends where the chain is.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MAX_WINDOW, fits, SignedAheadWindow } from "../../src/account/signed-ahead";
import type { FeeQuote } from "../../src/tx/types";
import { chainRpc, rpcUrl } from "./helpers";

const FEES: FeeQuote = { maxFeePerGas: "20000000000", maxPriorityFeePerGas: "1000000000" };
/** 10 % above FEES: the window signed at FEES still fits (at least 7/8 of the cap asked for). */
const FEES_UP_10: FeeQuote = { maxFeePerGas: "22000000000", maxPriorityFeePerGas: "1000000000" };
/** Twice FEES: the window no longer fits and is signed again. */
const FEES_DOUBLED: FeeQuote = { maxFeePerGas: "40000000000", maxPriorityFeePerGas: "1000000000" };
const TOO_CHEAP: FeeQuote = { maxFeePerGas: "1", maxPriorityFeePerGas: "1" };

let nextIndex = 1_400;

async function freshAccount() {
  const index = nextIndex++;
  const stub = env.ACCOUNT.get(env.ACCOUNT.idFromName(`signed-ahead-test:${index}`));
  const { address } = await stub.prepare({ index, chainId: 31337, rpcUrl: rpcUrl() });
  await chainRpc("anvil_setBalance", [address, "0x56bc75e2d63100000"]);
  await stub.syncNonce();
  return { stub, address };
}

type Stub = Awaited<ReturnType<typeof freshAccount>>["stub"];

const sendBy = () => Date.now() + 60_000;
const burst = (stub: Stub, count: number, fees = FEES) => stub.burst({ mix: [["eth-transfer", count]], fees, sendBy: sendBy() });

async function windowFilled(stub: Stub, atLeast: number): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const { signedAhead } = await stub.ledgerSnapshot();
    if (signedAhead >= atLeast) return signedAhead;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the window never reached ${atLeast}`);
}

const maxFeeOf = async (hash: string) => BigInt((await chainRpc<{ maxFeePerGas: string }>("eth_getTransactionByHash", [hash])).maxFeePerGas);

/** Every nonce below the ledger's next is mined once, and nothing of the account waits in the pool. */
async function expectWhole(stub: Stub, address: string) {
  const { next, reserved, unknown, free } = await stub.ledgerSnapshot();
  expect({ reserved, unknown, free }).toEqual({ reserved: [], unknown: [], free: [] });
  for (let i = 0; i < 40 && Number(await chainRpc<string>("eth_getTransactionCount", [address, "latest"])) < next; i++) {
    await new Promise((r) => setTimeout(r, 250));
  }
  expect(Number(await chainRpc<string>("eth_getTransactionCount", [address, "latest"]))).toBe(next);
  expect(Number(await chainRpc<string>("eth_getTransactionCount", [address, "pending"]))).toBe(next);
}

/** The end of sending: a fill under way finishes, settle gives the window back, and the account is whole. */
async function endSending(stub: Stub, address: string, fees = FEES) {
  await windowFilled(stub, 1);
  const settled = await stub.settle(fees);
  expect(settled.clean).toBe(true);
  expect(settled.sent).toEqual([]); // the window went back: no gap to fill
  expect((await stub.ledgerSnapshot()).signedAhead).toBe(0);
  await expectWhole(stub, address);
}

describe("signed-ahead window: pure rules", () => {
  it("fits: same type and tip, and a cap of at least 7/8 of the one asked for", () => {
    const key = { type: "eth-transfer" as const, fees: FEES };
    expect(fits(key, { type: "eth-transfer", fees: FEES_UP_10 })).toBe(true);
    expect(fits(key, { type: "eth-transfer", fees: { ...FEES, maxFeePerGas: "10000000000" } })).toBe(true);
    expect(fits(key, { type: "eth-transfer", fees: FEES_DOUBLED })).toBe(false);
    expect(fits(key, { type: "eth-transfer", fees: { ...FEES, maxPriorityFeePerGas: "2000000000" } })).toBe(false);
    expect(fits(key, { type: "erc20-transfer", fees: FEES })).toBe(false);
  });

  it("target: the last second's demand, at most one batch, and only what fits before sendBy", () => {
    const window = new SignedAheadWindow(undefined as never);
    window.noteDemand(0, 30);
    window.noteDemand(500, 30);
    window.noteDemand(900, 30);
    expect(window.target(1_000, 10_000)).toBe(90);
    expect(window.target(1_600, 10_000)).toBe(30); // the first two are older than a second
    expect(window.target(1_000, 1_500)).toBe(45); // half a second left: half the demand
    expect(window.target(1_000, 900)).toBe(0);
    for (let i = 0; i < 20; i++) window.noteDemand(1_000, 100);
    expect(window.target(1_000, 10_000)).toBe(MAX_WINDOW);
  });
});

describe("signed-ahead window in an account object", () => {
  it("signs the next nonces after a burst; the next burst sends them as signed, contiguous", async () => {
    const { stub, address } = await freshAccount();
    const first = await burst(stub, 20);
    expect(first.sent.map((t) => t.nonce)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(await windowFilled(stub, 20)).toBe(20);
    // The window's nonces are reserved, after the sent ones.
    expect((await stub.ledgerSnapshot()).reserved).toEqual(Array.from({ length: 20 }, (_, i) => 20 + i));

    // A fee 10 % higher still fits: the transactions leave as they were signed, at the old cap.
    const second = await burst(stub, 25, FEES_UP_10);
    expect(second.sent.map((t) => t.nonce)).toEqual(Array.from({ length: 25 }, (_, i) => 20 + i));
    expect(await maxFeeOf(second.sent[0].hash)).toBe(BigInt(FEES.maxFeePerGas));
    expect(await maxFeeOf(second.sent[24].hash)).toBe(BigInt(FEES_UP_10.maxFeePerGas)); // signed fresh: past the window

    await endSending(stub, address);
  });

  it("drops the window when the fee moves too far, and signs again at the new fee", async () => {
    const { stub, address } = await freshAccount();
    await burst(stub, 10);
    await windowFilled(stub, 10);
    const doubled = await burst(stub, 10, FEES_DOUBLED);
    expect(doubled.sent.map((t) => t.nonce)).toEqual(Array.from({ length: 10 }, (_, i) => 10 + i));
    for (const tx of doubled.sent) expect(await maxFeeOf(tx.hash)).toBe(BigInt(FEES_DOUBLED.maxFeePerGas));
    await endSending(stub, address, FEES_DOUBLED);
  });

  it("a rolled-back nonce below the window is reused first: the window goes back, nothing is sent past a gap", async () => {
    const { stub, address } = await freshAccount();
    await burst(stub, 5);
    await windowFilled(stub, 5);
    // A 1-wei tip does not fit the window (signed with another tip): these are refused and rolled back.
    const refused = await stub.burst({ mix: [["eth-transfer", 2]], fees: TOO_CHEAP, sendBy: sendBy() });
    expect(refused.failed.map((f) => f.errorClass)).toEqual(["underpriced", "underpriced"]);
    const { free, reserved } = await stub.ledgerSnapshot();
    expect(free).toEqual([5, 6]);
    expect(reserved).toEqual([]);
    const next = await burst(stub, 4);
    expect(next.sent.map((t) => t.nonce)).toEqual([5, 6, 7, 8]);
    await endSending(stub, address);
  });

  it("a resync gives the window back before it compares the ledger with the node", async () => {
    const { stub, address } = await freshAccount();
    await burst(stub, 8);
    await windowFilled(stub, 8);
    const resync = await stub.resync();
    expect(resync.sent).toEqual([]); // nothing re-broadcast: the window was never sent
    expect(await stub.ledgerSnapshot()).toMatchObject({ next: 8, reserved: [], signedAhead: 0 });
    expect((await stub.settle(FEES)).clean).toBe(true);
    await expectWhole(stub, address);
  });

  it("a new run's sync starts over without the window", async () => {
    const { stub, address } = await freshAccount();
    await burst(stub, 6);
    await windowFilled(stub, 6);
    expect((await stub.syncNonce()).nonce).toBe(6);
    expect(await stub.ledgerSnapshot()).toMatchObject({ next: 6, reserved: [], signedAhead: 0 });
    const again = await burst(stub, 3);
    expect(again.sent.map((t) => t.nonce)).toEqual([6, 7, 8]);
    await endSending(stub, address);
  });
});
