/**
 * Schedules firing for real against anvil: cron through the worker's `scheduled()` export (the
 * pool's createScheduledController), and everySeconds through the scheduler object's alarm in real
 * time. Each run a firing starts completes and verifies on chain; a firing while a run is active is
 * recorded as skipped; a duplicated invocation of the same minute starts one run.
 */
import { abortAllDurableObjects, createScheduledController, env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import worker from "../../src/index";
import type { TestMetrics } from "../../src/metrics/test-metrics";
import { schedulerOf } from "../../src/schedule/scheduler";
import { minuteOf } from "../../src/schedule/timing";
import { apiJson, auditChain, blockNumber, expectNothingLost, stopLiveRun, waitForRun } from "./helpers";

const REQUEST = { pattern: "constant", durationSec: 3, numAccounts: 4, constantRate: 10, name: "scheduled" } as const;

interface Firing {
  at: number;
  outcome: "started" | "skipped" | "error";
  runId?: string;
  reason?: string;
  recordedAt: number;
}

const created: string[] = [];

async function createSchedule(body: Record<string, unknown>): Promise<string> {
  const { status, body: created_ } = await apiJson("/v1/schedules", { method: "POST", json: body });
  expect(status, JSON.stringify(created_)).toBe(201);
  created.push(created_.schedule.id);
  return created_.schedule.id;
}

const readSchedule = async (id: string) => (await apiJson<{ schedule: { nextRunAt: number | null }; firings: Firing[] }>(`/v1/schedules/${id}`)).body;

/** The worker's scheduled() as the cron trigger calls it. */
const fireCron = (scheduledTime: number, workerEnv: typeof env = env) =>
  worker.scheduled(createScheduledController({ scheduledTime, cron: "* * * * *" }), workerEnv);

/** Each test's schedules go with it: a later trigger must not fire them too. */
afterEach(async () => {
  for (const id of created.splice(0)) await apiJson(`/v1/schedules/${id}`, { method: "DELETE" });
  await stopLiveRun();
});

describe("cron schedules through scheduled()", () => {
  it("starts a run that carries the schedule's id, completes and verifies; a duplicated invocation of the minute starts nothing more", async () => {
    const id = await createSchedule({ name: "every minute", cron: "* * * * *", request: REQUEST });
    const other = await createSchedule({ cron: "0 0 1 1 *", request: REQUEST }); // matches only at new year
    const fromBlock = await blockNumber();
    const scheduledTime = Date.now();
    // The same trigger delivered three times at once: twice as retried, once as the minute's start.
    await Promise.all([fireCron(scheduledTime), fireCron(scheduledTime), fireCron(minuteOf(scheduledTime))]);

    const { schedule, firings } = await readSchedule(id);
    expect(firings).toHaveLength(1);
    const firing = firings[0];
    expect(firing).toMatchObject({ at: scheduledTime, outcome: "started", runId: expect.any(String) });
    expect(schedule.nextRunAt).toBe(minuteOf(scheduledTime) + 60_000);
    expect((await readSchedule(other)).firings).toEqual([]);

    const history = await apiJson(`/v1/history?limit=100`);
    const scheduled = history.body.runs.filter((r: { scheduleId: string | null }) => r.scheduleId === id);
    expect(scheduled.map((r: { id: string }) => r.id)).toEqual([firing.runId]);
    expect(scheduled[0].name).toBe("scheduled");

    const m = await waitForRun(firing.runId!);
    expect(m).toMatchObject({ status: "completed", scheduleId: id, name: "scheduled" });
    await expectNothingLost(m, await auditChain(fromBlock));
    console.log(`cron firing delay: scheduledTime → run created ${firing.recordedAt - scheduledTime} ms, → first send ${m.startedAt! - scheduledTime} ms`);
  });

  it("records a firing while a run is active as skipped with the busy run's id, and starts nothing later", async () => {
    const id = await createSchedule({ cron: "* * * * *", request: REQUEST });
    const { body } = await apiJson("/v1/start", { method: "POST", json: { pattern: "constant", durationSec: 30, numAccounts: 4, constantRate: 5 } });
    const busy: string = body.runId;
    await waitForRun(busy, (m) => m.status === "running");
    const scheduledTime = minuteOf(Date.now()) + 60_000;
    await fireCron(scheduledTime);

    const { firings } = await readSchedule(id);
    expect(firings).toEqual([{ at: scheduledTime, outcome: "skipped", runId: busy, reason: "another run was active", recordedAt: expect.any(Number) }]);
    await apiJson("/v1/stop", { method: "POST" });
    await waitForRun(busy);
    const history = await apiJson(`/v1/history?limit=100`);
    expect(history.body.runs.filter((r: { scheduleId: string | null }) => r.scheduleId === id)).toEqual([]);
  });

  it("records an error with its message and no secret when the run cannot start", async () => {
    const id = await createSchedule({ cron: "* * * * *", request: REQUEST });
    const secretUrl = "http://127.0.0.1:9/v3/sk-not-to-be-seen";
    const scheduledTime = minuteOf(Date.now()) + 120_000;
    await fireCron(scheduledTime, { ...env, BUILDER_RPC_URL: secretUrl, L2_RPC_URL: secretUrl, API_TOKEN: "token-not-to-be-seen" });
    const [firing] = (await readSchedule(id)).firings;
    expect(firing).toMatchObject({ at: scheduledTime, outcome: "error", reason: expect.stringMatching(/builder RPC did not answer eth_chainId/) });
    expect(firing.runId).toBeUndefined();
    expect(firing.reason).not.toMatch(/not-to-be-seen/);
  });

  it("obeys the access rule: without API_TOKEN a schedule's run on another chain is an error telling to set it", async () => {
    const id = await createSchedule({ cron: "* * * * *", request: REQUEST });
    const scheduledTime = minuteOf(Date.now()) + 180_000;
    await fireCron(scheduledTime, { ...env, BUILDER_RPC_URL: env.TEST_OTHER_CHAIN_URL, L2_RPC_URL: env.TEST_OTHER_CHAIN_URL });
    const [firing] = (await readSchedule(id)).firings;
    expect(firing).toMatchObject({ outcome: "error", reason: expect.stringMatching(/set the API_TOKEN secret/) });
    expect(firing.runId).toBeUndefined();
  });
});

describe("everySeconds schedules through the scheduler's alarm", () => {
  it("fires a 10 s cadence at least twice, each run verified, and stops when disabled", { timeout: 240_000 }, async () => {
    const fromBlock = await blockNumber();
    const id = await createSchedule({ name: "every 10 s", everySeconds: 10, request: { ...REQUEST, durationSec: 2, numAccounts: 2, constantRate: 5 } });
    const runs: TestMetrics[] = [];
    const deadline = Date.now() + 150_000;
    let firings: Firing[] = [];
    while (runs.length < 2 && Date.now() < deadline) {
      firings = (await readSchedule(id)).firings;
      const next = firings.filter((f) => f.outcome === "started").reverse()[runs.length];
      if (next) runs.push(await waitForRun(next.runId!));
      else await new Promise((r) => setTimeout(r, 500));
    }
    expect(runs.length, JSON.stringify(firings)).toBe(2);

    const disabled = await apiJson(`/v1/schedules/${id}`, { method: "PATCH", json: { enabled: false } });
    expect(disabled.body.schedule.nextRunAt).toBeNull();
    expect(await runDurableObjectAlarm(schedulerOf(env))).toBe(false); // no alarm left to run
    await stopLiveRun();

    firings = (await readSchedule(id)).firings;
    const started = firings.filter((f) => f.outcome === "started").reverse();
    for (const f of firings) {
      // A slot that found the previous run still going is skipped, naming it.
      if (f.outcome === "skipped") expect(started.map((s) => s.runId)).toContain(f.runId);
      else expect(f.outcome).toBe("started");
    }
    // Slots are 10 s apart on the grid the schedule was created with.
    const ats = firings.map((f) => f.at).reverse();
    for (let i = 1; i < ats.length; i++) expect((ats[i] - ats[0]) % 10_000).toBe(0);
    for (const m of runs) {
      expect(m).toMatchObject({ status: "completed", scheduleId: id, verification: { verified: true } });
    }
    const audit = await auditChain(fromBlock);
    expect(audit.gaps).toEqual([]);
    expect(audit.poolPending + audit.poolQueued).toBe(0);
    const delays = started.map((f, i) => `${f.recordedAt - f.at} ms to created, ${runs[i] ? runs[i].startedAt! - f.at : "?"} ms to first send`);
    console.log(`alarm firing delay (planned slot → run): ${delays.join("; ")}; outcomes ${firings.map((f) => f.outcome).reverse().join(",")}`);
  });

  it("re-arms a lost alarm when the scheduler object starts again", async () => {
    const id = await createSchedule({ everySeconds: 3600, request: REQUEST });
    const stub = schedulerOf(env);
    const armed = await runInDurableObject(stub, (_, state) => state.storage.getAlarm());
    expect(armed).toBe((await readSchedule(id)).schedule.nextRunAt);
    await runInDurableObject(stub, (_, state) => state.storage.deleteAlarm());
    await abortAllDurableObjects(); // no run is live here: only the idle objects restart
    expect(await runInDurableObject(schedulerOf(env), (_, state) => state.storage.getAlarm())).toBe(armed);

    await apiJson(`/v1/schedules/${id}`, { method: "DELETE" });
    expect(await runInDurableObject(schedulerOf(env), (_, state) => state.storage.getAlarm())).toBeNull();
  });
});
