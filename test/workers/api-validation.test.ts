/**
 * Validation, routing and history contracts of the HTTP API (access rules: access.test.ts).
 *
 * The D1 database is shared with the other workerd suites: every row this file needs is inserted
 * here through drizzle and removed again, and nothing assumes the history table is empty.
 *
 * Start requests that are meant to be refused go through the app with a builder URL that cannot
 * answer: should validation ever let one of them through, the route stops at eth_chainId (503)
 * instead of starting a real load run against the shared anvil.
 */
import { env } from "cloudflare:test";
import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { app } from "../../src/api/app";
import { database } from "../../src/db/queries";
import { testRuns } from "../../src/db/schema";
import { api, apiJson } from "./helpers";

interface ErrorBody {
  error: string;
  details?: Array<{ field: string; message: string }>;
}

const db = () => database(env.DB);

/** A body that passes validation: each refusal test below breaks exactly one thing in it. */
const VALID_START = { pattern: "constant", durationSec: 5, constantRate: 10 } as const;

/** The worker's env with a builder that refuses connections (nothing listens on port 9). */
const deadBuilderEnv = () => ({ ...env, BUILDER_RPC_URL: "http://127.0.0.1:9" });

async function startRefused(path: string, body: unknown): Promise<{ status: number; body: ErrorBody }> {
  const response = await app.request(
    path,
    { method: "POST", headers: { "content-type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) },
    deadBuilderEnv(),
  );
  return { status: response.status, body: (await response.json()) as ErrorBody };
}

/** Every 400 is `{ error: string, details: [{ field, message }] }` with at least one detail. */
function expectValidationShape(body: ErrorBody): asserts body is Required<ErrorBody> {
  expect(typeof body.error).toBe("string");
  expect(Array.isArray(body.details)).toBe(true);
  expect(body.details!.length).toBeGreaterThan(0);
  for (const detail of body.details!) {
    expect(Object.keys(detail).sort()).toEqual(["field", "message"]);
    expect(typeof detail.field).toBe("string");
    expect(typeof detail.message).toBe("string");
    expect(detail.message.length).toBeGreaterThan(0);
  }
}

const fields = (body: ErrorBody) => (body.details ?? []).map((d) => d.field);

const createdIds: string[] = [];

async function insertRun(overrides: Partial<typeof testRuns.$inferInsert> = {}): Promise<string> {
  const id = crypto.randomUUID();
  createdIds.push(id);
  await db()
    .insert(testRuns)
    .values({
      id,
      name: "api-validation fixture",
      status: "completed",
      active: null,
      pattern: "constant",
      transactionType: "eth-transfer",
      config: { ...VALID_START },
      createdAt: Date.now(),
      ...overrides,
    });
  return id;
}

beforeAll(async () => {
  // Several contracts below (stop → 409) presume that no run is live.
  const live = await db().select({ id: testRuns.id }).from(testRuns).where(eq(testRuns.active, 1));
  expect(live, "another suite left an active run behind").toEqual([]);
});

afterAll(async () => {
  if (createdIds.length > 0) await db().delete(testRuns).where(inArray(testRuns.id, createdIds));
});

describe("POST /start validation", () => {
  for (const prefix of ["/v1", ""]) {
    const path = `${prefix}/start`;

    describe(`POST ${path}`, () => {
      it("accepts the base body (it reaches the chain-id probe, which fails with 503 here)", async () => {
        const { status, body } = await startRefused(path, VALID_START);
        expect(status).toBe(503);
        expect(body.error).toMatch(/eth_chainId/);
      });

      it("refuses a non-JSON body with a 400 naming body", async () => {
        const { status, body } = await startRefused(path, "{pattern: constant");
        expect(status).toBe(400);
        expectValidationShape(body);
        expect(body.error).toMatch(/\bbody\b/);
        expect(fields(body)).toEqual(["body"]);
      });

      it("requires pattern", async () => {
        const { pattern: _omit, ...rest } = VALID_START;
        const { status, body } = await startRefused(path, rest);
        expect(status).toBe(400);
        expectValidationShape(body);
        expect(fields(body)).toContain("pattern");
      });

      for (const durationSec of [0, 3601, 1.5]) {
        it(`refuses durationSec ${durationSec}`, async () => {
          const { status, body } = await startRefused(path, { ...VALID_START, durationSec });
          expect(status).toBe(400);
          expectValidationShape(body);
          expect(fields(body)).toEqual(["durationSec"]);
          expect(body.error).toContain("durationSec");
        });
      }

      it("requires constantRate when pattern is constant", async () => {
        const { status, body } = await startRefused(path, { pattern: "constant", durationSec: 5 });
        expect(status).toBe(400);
        expectValidationShape(body);
        expect(fields(body)).toEqual(["constantRate"]);
        expect(body.error).toContain("constantRate");
      });

      it("refuses an unknown field and names it", async () => {
        const { status, body } = await startRefused(path, { ...VALID_START, foo: 1 });
        expect(status).toBe(400);
        expectValidationShape(body);
        expect(fields(body)).toEqual(["foo"]);
        expect(body.error).toContain("foo");
      });

      it("refuses an unknown region and names the regions entry", async () => {
        const { status, body } = await startRefused(path, { ...VALID_START, regions: ["mars"] });
        expect(status).toBe(400);
        expectValidationShape(body);
        expect(fields(body)).toHaveLength(1);
        expect(fields(body)[0]).toMatch(/^regions/);
        expect(fields(body)[0]).toBe("regions.0");
      });

      it("refuses an unknown transaction type and names transactionType", async () => {
        const { status, body } = await startRefused(path, { ...VALID_START, transactionType: "erc1155-transfer" });
        expect(status).toBe(400);
        expectValidationShape(body);
        expect(fields(body)).toEqual(["transactionType"]);
        expect(body.details[0].message).toMatch(/set-code/);
      });

      it("refuses an unknown pattern and names pattern", async () => {
        const { status, body } = await startRefused(path, { ...VALID_START, pattern: "sawtooth" });
        expect(status).toBe(400);
        expectValidationShape(body);
        expect(fields(body)).toEqual(["pattern"]);
        expect(body.details[0].message).toMatch(/adaptive-realistic/);
      });

      for (const numAccounts of [-1, 5001]) {
        it(`refuses numAccounts ${numAccounts}`, async () => {
          const { status, body } = await startRefused(path, { ...VALID_START, numAccounts });
          expect(status).toBe(400);
          expectValidationShape(body);
          expect(fields(body)).toEqual(["numAccounts"]);
        });
      }
    });
  }

  describe("burst and adaptive fields", () => {
    const BURST = { pattern: "burst", durationSec: 10, burstCount: 300 } as const;
    const ADAPTIVE = { pattern: "adaptive", durationSec: 10, adaptiveInitialRate: 50 } as const;

    for (const [name, body] of [
      ["a burst", BURST],
      ["a repeated burst with its window", { ...BURST, numAccounts: 1, burstCount: 500, burstIntervalSec: 10, burstWindowMs: 10_000 }],
      ["an adaptive run", ADAPTIVE],
      ["an adaptive run with its target and step", { ...ADAPTIVE, adaptiveTargetPending: 1, adaptiveRateStep: 1 }],
    ] as const) {
      it(`accepts ${name} (it reaches the chain-id probe)`, async () => {
        expect((await startRefused("/v1/start", body)).status).toBe(503);
      });
    }

    const refusals: Array<[string, Record<string, unknown>, string, RegExp?]> = [
      ["burst without burstCount", { pattern: "burst", durationSec: 10 }, "burstCount", /required/],
      ["burstCount 0", { ...BURST, burstCount: 0 }, "burstCount"],
      ["burstCount above 5000 accounts × 500", { ...BURST, burstCount: 2_500_001 }, "burstCount"],
      ["burstCount above numAccounts × 500", { ...BURST, numAccounts: 2, burstCount: 1_001 }, "burstCount", /numAccounts × 500/],
      ["burstIntervalSec 0", { ...BURST, burstIntervalSec: 0 }, "burstIntervalSec"],
      ["burstIntervalSec 1.5", { ...BURST, burstIntervalSec: 1.5 }, "burstIntervalSec"],
      ["burstIntervalSec above durationSec", { ...BURST, burstIntervalSec: 11 }, "burstIntervalSec", /durationSec/],
      ["burstWindowMs below 10", { ...BURST, burstWindowMs: 9 }, "burstWindowMs"],
      ["burstWindowMs above 60 s", { ...BURST, burstWindowMs: 60_001 }, "burstWindowMs"],
      ["burstWindowMs longer than burstIntervalSec", { ...BURST, burstIntervalSec: 2, burstWindowMs: 2_001 }, "burstWindowMs", /burstIntervalSec/],
      ["adaptive without adaptiveInitialRate", { pattern: "adaptive", durationSec: 10 }, "adaptiveInitialRate", /required/],
      ["adaptiveInitialRate 0", { ...ADAPTIVE, adaptiveInitialRate: 0 }, "adaptiveInitialRate"],
      ["adaptiveTargetPending 0", { ...ADAPTIVE, adaptiveTargetPending: 0 }, "adaptiveTargetPending"],
      ["adaptiveRateStep 0", { ...ADAPTIVE, adaptiveRateStep: 0 }, "adaptiveRateStep"],
      ["adaptiveRateStep 2.5", { ...ADAPTIVE, adaptiveRateStep: 2.5 }, "adaptiveRateStep"],
    ];
    for (const [name, request, field, message] of refusals) {
      it(`refuses ${name}, naming ${field}`, async () => {
        const { status, body } = await startRefused("/v1/start", request);
        expect(status).toBe(400);
        expectValidationShape(body);
        expect(fields(body)).toEqual([field]);
        expect(body.error).toContain(field);
        if (message) expect(body.details[0].message).toMatch(message);
      });
    }
  });

  it("refuses through the deployed worker entry too (SELF), with the same shape", async () => {
    const nonJson = await api("/v1/start", { method: "POST", headers: { "content-type": "application/json" }, body: "not json" });
    expect(nonJson.status).toBe(400);
    const nonJsonBody = (await nonJson.json()) as ErrorBody;
    expectValidationShape(nonJsonBody);
    expect(nonJsonBody.error).toMatch(/\bbody\b/);

    const missing = await apiJson<ErrorBody>("/start", { method: "POST", json: { durationSec: 5 } });
    expect(missing.status).toBe(400);
    expectValidationShape(missing.body);
    expect(fields(missing.body)).toContain("pattern");
  });
});

describe("routing", () => {
  it("answers an unknown route with a JSON 404 that names the path", async () => {
    for (const path of ["/v1/nope", "/nope/deeper"]) {
      const response = await api(path);
      expect(response.status).toBe(404);
      expect(response.headers.get("content-type")).toMatch(/application\/json/);
      const body = (await response.json()) as ErrorBody;
      expect(typeof body.error).toBe("string");
      expect(body.error).toContain(path);
    }
  });

  it("answers a wrong method with a JSON 404", async () => {
    const response = await api("/v1/start");
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toMatch(/application\/json/);
    const body = (await response.json()) as ErrorBody;
    expect(body.error).toContain("GET");
    expect(body.error).toContain("/v1/start");
  });
});

describe("GET /history query", () => {
  for (const [query, field] of [
    ["limit=0", "limit"],
    ["limit=101", "limit"],
    ["limit=abc", "limit"],
    ["offset=-1", "offset"],
    ["sort=name", "sort"],
  ] as const) {
    it(`refuses ?${query} naming ${field}`, async () => {
      const { status, body } = await apiJson<ErrorBody>(`/v1/history?${query}`);
      expect(status).toBe(400);
      expectValidationShape(body);
      expect(fields(body)).toEqual([field]);
      expect(body.error).toContain(field);
    });
  }

  it("lists runs newest first with the default page (limit 50, offset 0), without the lock column", async () => {
    const id = await insertRun({ createdAt: Date.now() + 60_000 });
    const { status, body } = await apiJson("/v1/history");
    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(["limit", "offset", "runs", "total"]);
    expect(body.limit).toBe(50);
    expect(body.offset).toBe(0);
    expect(Array.isArray(body.runs)).toBe(true);
    expect(body.runs.length).toBeLessThanOrEqual(50);
    expect(typeof body.total).toBe("number");
    expect(body.total).toBeGreaterThanOrEqual(body.runs.length);
    expect(body.total).toBeGreaterThanOrEqual(1);
    expect(body.runs[0].id).toBe(id);
    for (const run of body.runs) expect(run).not.toHaveProperty("active");
  });

  it("honours explicit limit and offset", async () => {
    await insertRun({ createdAt: Date.now() + 120_000 });
    await insertRun({ createdAt: Date.now() + 110_000 });
    const first = await apiJson("/v1/history?limit=1&offset=0");
    const second = await apiJson("/v1/history?limit=1&offset=1");
    expect(first.status).toBe(200);
    expect(first.body.limit).toBe(1);
    expect(first.body.runs).toHaveLength(1);
    expect(second.body.offset).toBe(1);
    expect(second.body.runs).toHaveLength(1);
    expect(first.body.runs[0].id).not.toBe(second.body.runs[0].id);
    expect(first.body.runs[0].createdAt).toBeGreaterThanOrEqual(second.body.runs[0].createdAt);
  });
});

describe("/history/:id with a bad or unknown id", () => {
  const unknown = crypto.randomUUID();
  const cases: Array<[string, string, unknown?]> = [
    ["GET", ""],
    ["GET", "/transactions"],
    ["PATCH", "", { isFavorite: true }],
    ["DELETE", ""],
  ];

  for (const [method, suffix, json] of cases) {
    it(`${method} /v1/history/not-a-uuid${suffix} → 400`, async () => {
      const { status, body } = await apiJson<ErrorBody>(`/v1/history/not-a-uuid${suffix}`, { method, json });
      expect(status).toBe(400);
      expectValidationShape(body);
      expect(body.details.map((d) => d.field)).toEqual(["id"]);
    });

    it(`${method} /v1/history/<unknown uuid>${suffix} → 404`, async () => {
      const { status, body } = await apiJson<ErrorBody>(`/v1/history/${unknown}${suffix}`, { method, json });
      expect(status).toBe(404);
      expect(body.error).toContain(unknown);
    });
  }
});

describe("history round-trip on an inserted run", () => {
  let id: string;

  beforeAll(async () => {
    id = await insertRun({ name: "round-trip" });
  });

  it("PATCH sets customName and isFavorite and returns the run", async () => {
    const { status, body } = await apiJson(`/v1/history/${id}`, { method: "PATCH", json: { customName: "x", isFavorite: true } });
    expect(status).toBe(200);
    expect(body.run.id).toBe(id);
    expect(body.run.customName).toBe("x");
    expect(body.run.isFavorite).toBe(true);
    expect(body.run.name).toBe("round-trip");
    expect(body.run).not.toHaveProperty("active");

    const [row] = await db().select().from(testRuns).where(eq(testRuns.id, id));
    expect(row.customName).toBe("x");
    expect(row.isFavorite).toBe(true);
  });

  it("PATCH {} → 400", async () => {
    const { status, body } = await apiJson<ErrorBody>(`/v1/history/${id}`, { method: "PATCH", json: {} });
    expect(status).toBe(400);
    expectValidationShape(body);
  });

  it("PATCH with a non-boolean isFavorite → 400 naming isFavorite, and nothing changes", async () => {
    const { status, body } = await apiJson<ErrorBody>(`/v1/history/${id}`, { method: "PATCH", json: { isFavorite: "yes" } });
    expect(status).toBe(400);
    expectValidationShape(body);
    expect(fields(body)).toContain("isFavorite");
    const [row] = await db().select().from(testRuns).where(eq(testRuns.id, id));
    expect(row.isFavorite).toBe(true);
  });

  it("GET returns { run, timeSeries: [] } without the lock column", async () => {
    const { status, body } = await apiJson(`/v1/history/${id}`);
    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(["run", "timeSeries"]);
    expect(body.timeSeries).toEqual([]);
    expect(body.run.id).toBe(id);
    expect(body.run.status).toBe("completed");
    expect(body.run.customName).toBe("x");
    expect(body.run).not.toHaveProperty("active");
  });

  it("GET /transactions returns an empty default page", async () => {
    const { status, body } = await apiJson(`/v1/history/${id}/transactions`);
    expect(status).toBe(200);
    expect(body).toEqual({ transactions: [], total: 0, limit: 100, offset: 0 });
  });

  it("GET /transactions?limit=1001 → 400 naming limit", async () => {
    const { status, body } = await apiJson<ErrorBody>(`/v1/history/${id}/transactions?limit=1001`);
    expect(status).toBe(400);
    expectValidationShape(body);
    expect(fields(body)).toEqual(["limit"]);
  });

  it("DELETE returns { deleted: true } and the run is gone", async () => {
    const { status, body } = await apiJson(`/v1/history/${id}`, { method: "DELETE" });
    expect(status).toBe(200);
    expect(body).toEqual({ deleted: true });

    const after = await apiJson<ErrorBody>(`/v1/history/${id}`);
    expect(after.status).toBe(404);
    expect(await db().select().from(testRuns).where(eq(testRuns.id, id))).toEqual([]);
  });

  it("refuses to delete an active run (409) and keeps it", async () => {
    const activeId = await insertRun({ status: "running", active: 1 });
    try {
      const { status, body } = await apiJson<ErrorBody>(`/v1/history/${activeId}`, { method: "DELETE" });
      expect(status).toBe(409);
      expect(typeof body.error).toBe("string");
      const rows = await db().select().from(testRuns).where(eq(testRuns.id, activeId));
      expect(rows).toHaveLength(1);
      expect(rows[0].active).toBe(1);
    } finally {
      // No other suite may ever see this fake live run.
      await db().delete(testRuns).where(eq(testRuns.id, activeId));
    }
  });
});

describe("stop", () => {
  it("POST /v1/stop with no active run → 409 JSON", async () => {
    const response = await api("/v1/stop", { method: "POST" });
    expect(response.status).toBe(409);
    expect(response.headers.get("content-type")).toMatch(/application\/json/);
    const body = (await response.json()) as ErrorBody;
    expect(body.error).toMatch(/no run is active/);
  });
});

describe("readiness with an unreachable L2", () => {
  it("is 503 with ready false and l2.ok false", async () => {
    const response = await app.request("/v1/ready", {}, { ...env, L2_RPC_URL: "http://127.0.0.1:9" });
    expect(response.status).toBe(503);
    const body = (await response.json()) as { ready: boolean; builder: { ok: boolean }; l2: { ok: boolean; error?: string } };
    expect(body.ready).toBe(false);
    expect(body.l2.ok).toBe(false);
    expect(typeof body.l2.error).toBe("string");
    expect(body.builder.ok).toBe(true);
  });
});
