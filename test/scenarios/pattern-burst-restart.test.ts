/**
 * The burst pattern across a coordinator's restart, on anvil: between bursts, while a burst's
 * shares wait for their instant, and with a burst whose calls never left. Every burst is sent
 * whole and once, and the chain is audited after. Long chain runs, so apart from `npm test`.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import type { TestMetrics } from "../../src/metrics/test-metrics";
import { burstShares } from "../../src/run/burst-plan";
import { newBurstRecord } from "../../src/run/burst-stats";
import type { LiveRun } from "../../src/run/run-state";
import { RunStore } from "../../src/run/run-store";
import { apiJson, auditChain, blockNumber, expectNothingLost, stopLiveRun, waitForRun } from "../workers/helpers";

afterEach(() => stopLiveRun(120_000));

const BURST = 300;
const ACCOUNTS = 10;
const INTERVAL_SEC = 3;

/** A run of two bursts of 300, 6 s apart, once its first burst is confirmed (the second's lead is seconds away). */
async function twoBurstsFirstConfirmed(): Promise<{ fromBlock: number; runId: string }> {
  const fromBlock = await blockNumber();
  const started = await apiJson("/v1/start", { method: "POST", json: { pattern: "burst", durationSec: 9, numAccounts: ACCOUNTS, burstCount: BURST, burstIntervalSec: 6 } });
  const runId: string = started.body.runId;
  await waitForRun(runId, (m) => m.bursts.length === 1 && m.bursts[0].confirmed === BURST);
  return { fromBlock, runId };
}

/** Both bursts sent whole, once, across the coordinator's restart; nothing lost. */
async function expectBothBurstsOnce(m: TestMetrics, fromBlock: number): Promise<void> {
  expect(m.coordinatorRestarts).toBeGreaterThanOrEqual(1);
  expect(m.bursts.map((b) => [b.planned, b.sent, b.confirmed, b.missed])).toEqual(Array(2).fill([BURST, BURST, BURST, false]));
  expect(m).toMatchObject({ status: "completed", txSent: 2 * BURST, txConfirmed: 2 * BURST });
  await expectNothingLost(m, await auditChain(fromBlock));
}

describe("burst pattern across a coordinator restart", () => {
  it("a coordinator restarted between bursts keeps its bursts[] and sends the next ones once", async () => {
    const fromBlock = await blockNumber();
    const started = await apiJson("/v1/start", {
      method: "POST",
      json: { pattern: "burst", durationSec: 9, numAccounts: ACCOUNTS, burstCount: BURST, burstIntervalSec: INTERVAL_SEC },
    });
    const runId: string = started.body.runId;
    await waitForRun(runId, (m) => m.bursts.length === 1 && m.bursts[0].confirmed === BURST);
    const coordinator = env.RUN_COORDINATOR.get(env.RUN_COORDINATOR.idFromName(runId));
    await runInDurableObject(coordinator, (_instance, state) => state.abort("restarted by the test")).catch(() => {});

    const m = await waitForRun(runId);
    console.log("bursts across a restart", JSON.stringify(m.bursts.map((b) => ({ sent: b.sent, confirmed: b.confirmed, skew: b.startSkewMs }))));
    expect(m.coordinatorRestarts).toBeGreaterThanOrEqual(1);
    expect(m).toMatchObject({ status: "completed", txSent: 3 * BURST, txConfirmed: 3 * BURST });
    expect(m.bursts.map((b) => [b.planned, b.sent, b.confirmed, b.missed])).toEqual(Array(3).fill([BURST, BURST, BURST, false]));
    await expectNothingLost(m, await auditChain(fromBlock));
  });

  it("a coordinator restarted while a burst's shares wait for their instant: each object still sends its share, once", async () => {
    const { fromBlock, runId } = await twoBurstsFirstConfirmed();
    // The second burst handed out (its checkpoint holds it) and its instant still ahead: the
    // objects have signed their shares and wait. The coordinator restarts there.
    const coordinator = env.RUN_COORDINATOR.get(env.RUN_COORDINATOR.idFromName(runId));
    const handedOut = () => runInDurableObject(coordinator, (_instance, state) => new RunStore(state.storage).restore()?.scalars.bursts ?? []);
    await expect.poll(async () => (await handedOut()).length, { timeout: 10_000, interval: 50 }).toBe(2);
    const plannedAt = (await handedOut())[1].plannedAt;
    await runInDurableObject(coordinator, (_instance, state) => state.abort("restarted by the test")).catch(() => {});
    const untilInstant = plannedAt - Date.now();
    expect(untilInstant).toBeGreaterThan(200);

    const m = await waitForRun(runId);
    console.log("burst across a restart before its instant", untilInstant, JSON.stringify(m.bursts.map((b) => ({ sent: b.sent, confirmed: b.confirmed, skew: b.startSkewMs }))));
    await expectBothBurstsOnce(m, fromBlock);
  });

  it("a burst whose calls never left before a restart (its checkpoint held it) is handed out again and sent once", async () => {
    const { fromBlock, runId } = await twoBurstsFirstConfirmed();
    // What a restart can leave behind if it breaks the output gate while the calls of a burst wait
    // behind the checkpoint that holds it: the record, and no order at any object. No fault of the
    // platform makes that on demand, so the test writes the record into the live state as the tick
    // would (well before the burst's lead), lets a checkpoint store it, then restarts the instance.
    const coordinator = env.RUN_COORDINATOR.get(env.RUN_COORDINATOR.idFromName(runId));
    const plannedAt = await runInDurableObject(coordinator, (instance) => {
      const live = (instance as unknown as { live: LiveRun }).live;
      const plannedAt = live.bursts![0].plannedAt + 6_000;
      const plan = burstShares(BURST, ACCOUNTS, live.cursor);
      const record = newBurstRecord(plannedAt, BURST, plan.slices.length);
      record.orders = Object.fromEntries(plan.slices.map((slice) => [slice.account, [["eth-transfer", slice.count]]]));
      live.bursts!.push(record);
      live.cursor = plan.cursor;
      return plannedAt;
    });
    expect(plannedAt - Date.now()).toBeGreaterThan(2_000);
    const stored = () => runInDurableObject(coordinator, (_instance, state) => new RunStore(state.storage).restore()?.scalars.bursts?.length);
    await expect.poll(stored, { timeout: 2_000, interval: 50 }).toBe(2);
    await runInDurableObject(coordinator, (_instance, state) => state.abort("restarted by the test")).catch(() => {});

    const m = await waitForRun(runId);
    console.log("burst handed out again", JSON.stringify(m.bursts.map((b) => ({ sent: b.sent, confirmed: b.confirmed, skew: b.startSkewMs }))));
    await expectBothBurstsOnce(m, fromBlock);
  });
});
