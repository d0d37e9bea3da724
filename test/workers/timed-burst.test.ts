/**
 * One account object's share of a burst against the real anvil: signed and written to the ledger
 * as soon as it is handed out, nothing sent before the instant, sent at it (two batches for a share
 * above 500), and sent once however often the same burst is handed out.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { claimBurst, type TimedBurstOrder } from "../../src/account/timed-burst";
import { chainRpc, rpcUrl } from "./helpers";

const FEES = { maxFeePerGas: "20000000000", maxPriorityFeePerGas: "1000000000" };
const pendingNonce = async (address: string) => Number(await chainRpc<string>("eth_getTransactionCount", [address, "pending"]));

/** A funded account object of its own, its ledger synced with the node. */
async function fundedAccount(index: number) {
  const stub = env.ACCOUNT.get(env.ACCOUNT.idFromName(`timed-burst-test:${index}`));
  const { address } = await stub.prepare({ index, chainId: 31337, rpcUrl: rpcUrl() });
  await chainRpc("anvil_setBalance", [address, "0x56bc75e2d63100000"]);
  return { stub, address, start: (await stub.syncNonce()).nonce };
}

describe("timed burst in one account object", () => {
  it("signs ahead, sends at the instant in batches of at most 500, and only once per instant", async () => {
    const { stub, address, start } = await fundedAccount(950);

    const plannedAt = Date.now() + 2_000;
    const order: TimedBurstOrder = { mix: [["eth-transfer", 600]], fees: FEES, plannedAt };
    const call = stub.timedBurst(order);
    // Before the instant: all 600 signed and in the ledger (hash and raw bytes), none at the node.
    await new Promise((r) => setTimeout(r, 1_200));
    const before = await stub.ledgerSnapshot();
    expect(before.unknown).toHaveLength(600);
    expect(before.next).toBe(start + 600);
    expect(await pendingNonce(address)).toBe(start);

    const result = await call;
    if (!result.timing) throw new Error("a share that was sent reports its timing");
    console.log("timed burst of 600", JSON.stringify({ ...result.timing, skewMs: result.timing.firstSendAt - plannedAt, lastMs: result.timing.lastSendAt - plannedAt }));
    expect(result.timing.plannedAt).toBe(plannedAt);
    expect(result.timing.firstSendAt - plannedAt).toBeGreaterThanOrEqual(-5);
    expect(result.timing.firstSendAt - plannedAt).toBeLessThan(50);
    expect(result.timing.lastSendAt).toBeGreaterThan(result.timing.firstSendAt);
    expect(result.requests.sent).toBe(2);
    expect(result.submitted).toBe(600);
    expect(result.failed).toEqual([]);
    expect(result.sent.map((t) => t.nonce)).toEqual(Array.from({ length: 600 }, (_, i) => start + i));
    expect(await pendingNonce(address)).toBe(start + 600);

    // The same burst handed out again (a coordinator that restarted before its checkpoint): nothing more.
    const again = await stub.timedBurst(order);
    expect(again.submitted).toBe(0);
    expect(again.timing).toBeUndefined();
    expect((await stub.ledgerSnapshot()).next).toBe(start + 600);
  });

  it("an order handed out again after a restart: sent at the instant if the first never came, reported missed once the instant passed", async () => {
    const { stub, address, start } = await fundedAccount(951);

    // The first order was lost: the one handed out again, before the instant, is sent at it.
    const plannedAt = Date.now() + 800;
    const sent = await stub.timedBurst({ mix: [["eth-transfer", 20]], fees: FEES, plannedAt, again: true });
    expect(sent.missed).toBeUndefined();
    expect(sent.submitted).toBe(20);
    expect(sent.timing!.firstSendAt).toBeGreaterThanOrEqual(plannedAt - 5);
    // Handed out again once more (a second restart): a repeat, nothing sent.
    expect((await stub.timedBurst({ mix: [["eth-transfer", 20]], fees: FEES, plannedAt, again: true })).submitted).toBe(0);

    // An order that comes again only after its instant is not sent late: reported missed, and claimed,
    // so a first order arriving even later is refused too.
    await new Promise((r) => setTimeout(r, 50));
    const past = Date.now() - 10;
    const missed = await stub.timedBurst({ mix: [["eth-transfer", 20]], fees: FEES, plannedAt: past, again: true });
    expect(missed).toMatchObject({ missed: true, submitted: 0, timing: { plannedAt: past, firstSendAt: 0, lastSendAt: 0 } });
    expect((await stub.timedBurst({ mix: [["eth-transfer", 20]], fees: FEES, plannedAt: past })).submitted).toBe(0);
    expect(await pendingNonce(address)).toBe(start + 20);
    expect((await stub.ledgerSnapshot()).next).toBe(start + 20);

    // Handed out again just before its instant, with more to sign than the time left: its nonces go
    // back and it is reported missed, not sent late.
    const tight = Date.now() + 30;
    const late = await stub.timedBurst({ mix: [["eth-transfer", 1_000]], fees: FEES, plannedAt: tight, again: true });
    expect(late).toMatchObject({ missed: true, submitted: 0 });
    expect((await stub.ledgerSnapshot()).next).toBe(start + 20);
    expect(await pendingNonce(address)).toBe(start + 20);
  });

  it("claims each instant once, including one older than an instant already claimed", () => {
    const store = new Map<string, unknown>();
    const kv = { get: (k: string) => store.get(k), put: (k: string, v: unknown) => store.set(k, v) } as unknown as DurableObjectStorage["kv"];
    expect(claimBurst(kv, 2_000)).toBe(true);
    expect(claimBurst(kv, 2_000)).toBe(false);
    // The order for an earlier instant never came before this one's did: handed out again, it is answered.
    expect(claimBurst(kv, 1_000)).toBe(true);
    expect(claimBurst(kv, 1_000)).toBe(false);
    // 64 instants are remembered; older than all of them once full: a repeat, never sent twice.
    for (let t = 3_000; t < 3_000 + 64; t++) claimBurst(kv, t);
    expect(claimBurst(kv, 1_500)).toBe(false);
    expect(claimBurst(kv, 3_000)).toBe(false);
    expect(claimBurst(kv, 5_000)).toBe(true);
  });
});
