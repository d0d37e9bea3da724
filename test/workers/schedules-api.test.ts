/**
 * The schedules API (PRODUCT.md §9): create, list, read with firings, change, delete, under /v1
 * and unversioned, and every validation rule with a 400 that names the field. Nothing here fires:
 * `everySeconds` schedules are created disabled or deleted before their first slot, and the
 * scheduler object's alarm is checked directly.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { afterAll, describe, expect, it } from "vitest";
import { database } from "../../src/db/queries";
import { scheduleFirings } from "../../src/db/schema";
import { schedulerOf } from "../../src/schedule/scheduler";
import { apiJson } from "./helpers";

const REQUEST = { pattern: "constant", durationSec: 5, constantRate: 10 } as const;

interface ErrorBody {
  error: string;
  details: Array<{ field: string; message: string }>;
}

const created: string[] = [];

async function create(body: unknown, prefix = "/v1") {
  const response = await apiJson(`${prefix}/schedules`, { method: "POST", json: body });
  if (response.status === 201) created.push(response.body.schedule.id);
  return response;
}

async function refused(body: unknown, method = "POST", path = "/v1/schedules"): Promise<ErrorBody> {
  const { status, body: error } = await apiJson<ErrorBody>(path, { method, json: body });
  expect(status, JSON.stringify(error)).toBe(400);
  expect(error.details.length).toBeGreaterThan(0);
  return error;
}

const fields = (body: ErrorBody) => body.details.map((d) => d.field);
const schedulerAlarm = () => runInDurableObject(schedulerOf(env), (_, state) => state.storage.getAlarm());

afterAll(async () => {
  for (const id of created) await apiJson(`/v1/schedules/${id}`, { method: "DELETE" });
});

describe("schedules CRUD", () => {
  for (const prefix of ["/v1", ""]) {
    it(`creates, lists, reads, changes and deletes a cron schedule under '${prefix || "/"}'`, async () => {
      const before = Date.now();
      const { status, body } = await create({ name: "nightly burst", cron: "0 3 * * *", request: { pattern: "burst", durationSec: 5, burstCount: 100 } }, prefix);
      expect(status).toBe(201);
      const schedule = body.schedule;
      expect(schedule).toMatchObject({ name: "nightly burst", cron: "0 3 * * *", everySeconds: null, enabled: true });
      expect(schedule.id).toMatch(/^[0-9a-f-]{36}$/);
      // The request is stored as /v1/start reads it, defaults filled in.
      expect(schedule.request).toMatchObject({ pattern: "burst", burstCount: 100, numAccounts: 0, transactionType: "eth-transfer" });
      const next = new Date(schedule.nextRunAt);
      expect(next.getUTCHours()).toBe(3);
      expect(next.getUTCMinutes()).toBe(0);
      expect(schedule.nextRunAt).toBeGreaterThan(before);
      expect(schedule.nextRunAt - before).toBeLessThanOrEqual(24 * 3600_000);

      const list = await apiJson(`${prefix}/schedules`);
      expect(list.status).toBe(200);
      expect(list.body.schedules.map((s: { id: string }) => s.id)).toContain(schedule.id);

      const read = await apiJson(`${prefix}/schedules/${schedule.id}`);
      expect(read.body).toEqual({ schedule, firings: [] });

      const patched = await apiJson(`${prefix}/schedules/${schedule.id}`, { method: "PATCH", json: { cron: "*/15 * * * *", name: "quarterly" } });
      expect(patched.status).toBe(200);
      expect(patched.body.schedule).toMatchObject({ name: "quarterly", cron: "*/15 * * * *", enabled: true });
      expect(new Date(patched.body.schedule.nextRunAt).getUTCMinutes() % 15).toBe(0);

      const disabled = await apiJson(`${prefix}/schedules/${schedule.id}`, { method: "PATCH", json: { enabled: false, name: null } });
      expect(disabled.body.schedule).toMatchObject({ enabled: false, nextRunAt: null, name: null });

      const deleted = await apiJson(`${prefix}/schedules/${schedule.id}`, { method: "DELETE" });
      expect(deleted).toEqual({ status: 200, body: { deleted: true } });
      expect((await apiJson(`${prefix}/schedules/${schedule.id}`)).status).toBe(404);
      expect((await apiJson(`${prefix}/schedules/${schedule.id}`, { method: "DELETE" })).status).toBe(404);
    });
  }

  it("an everySeconds schedule arms the scheduler when created or enabled, and disarms it when disabled or deleted", async () => {
    const off = await create({ everySeconds: 600, enabled: false, request: REQUEST });
    expect(off.body.schedule).toMatchObject({ everySeconds: 600, cron: null, enabled: false, nextRunAt: null });
    expect(await schedulerAlarm()).toBeNull();

    const before = Date.now();
    const on = await apiJson(`/v1/schedules/${off.body.schedule.id}`, { method: "PATCH", json: { enabled: true } });
    const nextRunAt = on.body.schedule.nextRunAt;
    expect(nextRunAt - before).toBeGreaterThanOrEqual(600_000);
    expect(nextRunAt - before).toBeLessThan(605_000);
    expect(await schedulerAlarm()).toBe(nextRunAt);

    // A second, sooner cadence moves the alarm to it; deleting it moves the alarm back.
    const sooner = await create({ everySeconds: 300, request: REQUEST });
    expect(await schedulerAlarm()).toBe(sooner.body.schedule.nextRunAt);
    await apiJson(`/v1/schedules/${sooner.body.schedule.id}`, { method: "DELETE" });
    expect(await schedulerAlarm()).toBe(nextRunAt);

    // Turned into a cron schedule, it no longer concerns the scheduler.
    const cron = await apiJson(`/v1/schedules/${off.body.schedule.id}`, { method: "PATCH", json: { cron: "0 4 * * *" } });
    expect(cron.body.schedule).toMatchObject({ cron: "0 4 * * *", everySeconds: null, enabled: true });
    expect(await schedulerAlarm()).toBeNull();

    const back = await apiJson(`/v1/schedules/${off.body.schedule.id}`, { method: "PATCH", json: { everySeconds: 900 } });
    expect(back.body.schedule).toMatchObject({ cron: null, everySeconds: 900 });
    expect(await schedulerAlarm()).toBe(back.body.schedule.nextRunAt);
    await apiJson(`/v1/schedules/${off.body.schedule.id}`, { method: "PATCH", json: { enabled: false } });
    expect(await schedulerAlarm()).toBeNull();
  });

  it("lists firings newest first, bounded by limit, and reports a firing whose outcome never came as an error", async () => {
    const { body } = await create({ cron: "0 5 * * *", enabled: false, request: REQUEST });
    const id = body.schedule.id;
    const now = Date.now();
    const runId = crypto.randomUUID();
    await database(env.DB)
      .insert(scheduleFirings)
      .values([
        { scheduleId: id, fireKey: "a", at: now - 3 * 60_000, outcome: "started", runId, recordedAt: now - 3 * 60_000 + 400 },
        { scheduleId: id, fireKey: "b", at: now - 2 * 60_000, outcome: "skipped", runId, reason: "another run was active", recordedAt: now - 2 * 60_000 + 100 },
        { scheduleId: id, fireKey: "c", at: now - 60_000, outcome: "error", reason: "builder RPC did not answer eth_chainId", recordedAt: now - 60_000 + 5000 },
        { scheduleId: id, fireKey: "d", at: now - 10 * 60_000, outcome: "pending", recordedAt: now - 10 * 60_000 },
      ]);
    const all = await apiJson(`/v1/schedules/${id}`);
    expect(all.body.firings.map((f: { at: number }) => f.at)).toEqual([now - 60_000, now - 2 * 60_000, now - 3 * 60_000, now - 10 * 60_000]);
    expect(all.body.firings[0]).toEqual({ at: now - 60_000, outcome: "error", reason: "builder RPC did not answer eth_chainId", recordedAt: now - 55_000 });
    expect(all.body.firings[1]).toMatchObject({ outcome: "skipped", runId, reason: "another run was active" });
    expect(all.body.firings[2]).toEqual({ at: now - 3 * 60_000, outcome: "started", runId, recordedAt: now - 3 * 60_000 + 400 });
    expect(all.body.firings[3]).toMatchObject({ outcome: "error", reason: expect.stringMatching(/interrupted/) });

    const two = await apiJson(`/v1/schedules/${id}?limit=2`);
    expect(two.body.firings).toHaveLength(2);
    expect((await apiJson(`/v1/schedules/${id}?limit=0`)).status).toBe(400);

    // Deleting the schedule takes its firings with it.
    await apiJson(`/v1/schedules/${id}`, { method: "DELETE" });
    const left = await env.DB.prepare("SELECT count(*) AS n FROM schedule_firings WHERE schedule_id = ?").bind(id).first<{ n: number }>();
    expect(left?.n).toBe(0);
  });

  it("404s an unknown schedule and 400s an id that is not one", async () => {
    const unknown = crypto.randomUUID();
    for (const method of ["GET", "PATCH", "DELETE"]) {
      const { status } = await apiJson(`/v1/schedules/${unknown}`, { method, json: method === "PATCH" ? { enabled: false } : undefined });
      expect(status).toBe(404);
    }
    const bad = await apiJson<ErrorBody>("/v1/schedules/nope");
    expect(bad.status).toBe(400);
    expect(fields(bad.body)).toEqual(["id"]);
  });
});

describe("schedule validation", () => {
  for (const cron of ["* * * *", "* * * * * *", "61 * * * *", "* 24 * * *", "every minute", "0 0 31 2 *", "@daily"]) {
    it(`refuses cron '${cron}' naming cron`, async () => {
      const error = await refused({ cron, request: REQUEST });
      expect(fields(error)).toEqual(["cron"]);
      expect(error.error).toContain("cron");
    });
  }

  for (const everySeconds of [9, 3601, 0, -10, 12.5]) {
    it(`refuses everySeconds ${everySeconds}`, async () => {
      expect(fields(await refused({ everySeconds, request: REQUEST }))).toEqual(["everySeconds"]);
    });
  }

  it("takes everySeconds at both ends of 10–3600", async () => {
    for (const everySeconds of [10, 3600]) expect((await create({ everySeconds, enabled: false, request: REQUEST })).status).toBe(201);
  });

  it("refuses both cron and everySeconds, and neither", async () => {
    for (const body of [{ cron: "* * * * *", everySeconds: 30, request: REQUEST }, { request: REQUEST }]) {
      const error = await refused(body);
      expect(fields(error)).toEqual(["cron"]);
      expect(error.details[0].message).toMatch(/exactly one of cron .* and everySeconds/);
    }
  });

  it("checks request with the /v1/start schema, naming fields under request", async () => {
    expect(fields(await refused({ cron: "* * * * *" }))).toEqual(["request"]);
    expect(fields(await refused({ cron: "* * * * *", request: { pattern: "constant", durationSec: 5 } }))).toEqual(["request.constantRate"]);
    expect(fields(await refused({ cron: "* * * * *", request: { ...REQUEST, durationSec: 0 } }))).toEqual(["request.durationSec"]);
    expect(fields(await refused({ cron: "* * * * *", request: { ...REQUEST, regions: ["mars"] } }))).toEqual(["request.regions.0"]);
    expect(fields(await refused({ cron: "* * * * *", request: { ...REQUEST, foo: 1 } }))).toEqual(["request.foo"]);
  });

  it("refuses unknown fields, a wrong enabled or name, and a body that is not JSON", async () => {
    expect(fields(await refused({ cron: "* * * * *", request: REQUEST, when: "now" }))).toEqual(["when"]);
    expect(fields(await refused({ cron: "* * * * *", request: REQUEST, enabled: "yes" }))).toEqual(["enabled"]);
    expect(fields(await refused({ cron: "* * * * *", request: REQUEST, name: "" }))).toEqual(["name"]);
    const notJson = await apiJson<ErrorBody>("/v1/schedules", { method: "POST", headers: { "content-type": "application/json" }, body: "{cron:" });
    expect(notJson.status).toBe(400);
    expect(fields(notJson.body)).toEqual(["body"]);
  });

  it("validates a PATCH the same way", async () => {
    const { body } = await create({ cron: "0 6 * * *", enabled: false, request: REQUEST });
    const path = `/v1/schedules/${body.schedule.id}`;
    expect(fields(await refused({}, "PATCH", path))).toEqual(["body"]);
    expect(fields(await refused({ cron: "* * * * *", everySeconds: 30 }, "PATCH", path))).toEqual(["cron"]);
    expect(fields(await refused({ cron: "61 * * * *" }, "PATCH", path))).toEqual(["cron"]);
    expect(fields(await refused({ everySeconds: 5 }, "PATCH", path))).toEqual(["everySeconds"]);
    expect(fields(await refused({ request: { pattern: "ramp", durationSec: 5 } }, "PATCH", path))).toEqual(["request.rampStart", "request.rampEnd", "request.rampEnd"]);
    expect(fields(await refused({ id: "x" }, "PATCH", path))).toContain("id");
    // Nothing was changed by the refusals.
    expect((await apiJson(path)).body.schedule).toEqual(body.schedule);
  });
});
