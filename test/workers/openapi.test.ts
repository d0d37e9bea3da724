/**
 * GET /v1/openapi.json: an OpenAPI 3.1 document that lists every route Hono registered, with the
 * request schemas the routes validate with. The document is judged by its own schemas: a request
 * valid by them passes the real route's validation, and one they refuse gets the route's 400
 * naming the very fields the document's schema names (test/support/json-schema-check.ts reads the
 * JSON Schema independently of zod, which wrote it).
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { app } from "../../src/api/app";
import { PATTERNS } from "../../src/api/schemas";
import { checkJsonSchema } from "../support/json-schema-check";
import { api, apiJson } from "./helpers";

interface Operation {
  operationId: string;
  security?: unknown[];
  parameters?: Array<{ name: string; in: string; required: boolean; schema: Record<string, unknown> }>;
  requestBody?: { content: { "application/json": { schema: Record<string, unknown> } } };
  responses: Record<string, { description: string; content?: Record<string, { schema?: { $ref?: string } }> }>;
}
interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, any>; securitySchemes: Record<string, unknown> };
  security: unknown[];
}

const doc = (await (await api("/v1/openapi.json")).json()) as OpenApiDocument;

const operations = () => Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method, op })));
const operation = (method: string, path: string) => doc.paths[path]?.[method] ?? expect.fail(`no ${method} ${path} in the document`);
const bodySchemaOf = (method: string, path: string) => operation(method, path).requestBody!.content["application/json"].schema;

/** `GET /v1/history/:id` → `get /v1/history/{id}`; an unversioned route is the same operation as its /v1 twin. */
const documentedKey = (method: string, honoPath: string) => `${method.toLowerCase()} ${honoPath.startsWith("/v1/") ? "" : "/v1"}${honoPath.replace(/:(\w+)/g, "{$1}")}`;

/** Routes registered in Hono with no operation in the document (middleware, registered for ALL methods, aside). */
function undocumented(routes: Array<{ method: string; path: string }>): string[] {
  const documented = new Set(operations().map(({ method, path }) => `${method} ${path}`));
  return routes.filter((r) => r.method !== "ALL" && !documented.has(documentedKey(r.method, r.path))).map((r) => `${r.method} ${r.path}`);
}

/** The fields the document's schema refuses in `value`, sorted. */
const refusedByDocument = (schema: unknown, value: unknown) => [...new Set(checkJsonSchema(schema as Record<string, unknown>, value, doc).map((p) => p.field))].sort();
/** The fields a 400 names, sorted. */
const refusedByRoute = (body: { details?: Array<{ field: string }> }) => [...new Set((body.details ?? []).map((d) => d.field))].sort();

const VALID_START = { pattern: "constant", durationSec: 5, constantRate: 10, regions: ["weur"], realisticConfig: { targetTps: 5, tipDistribution: "uniform" } };
/** Each breaks one rule the document states (not a cross-field rule only the server knows). */
const INVALID_STARTS: Array<[string, Record<string, unknown>]> = [
  ["durationSec below its minimum", { ...VALID_START, durationSec: 0 }],
  ["durationSec not an integer", { ...VALID_START, durationSec: 2.5 }],
  ["an unknown pattern", { ...VALID_START, pattern: "zigzag" }],
  ["a field the schema does not have", { ...VALID_START, bogus: 1 }],
  ["a region that is no location hint", { ...VALID_START, regions: ["weur", "mars"] }],
  ["a nested enum broken", { ...VALID_START, realisticConfig: { targetTps: 5, tipDistribution: "gaussian" } }],
  ["a wrong type nested", { ...VALID_START, realisticConfig: { targetTps: "5" } }],
];

describe("GET /v1/openapi.json", () => {
  it("is an OpenAPI 3.1 JSON document, under /v1 and unversioned", async () => {
    const response = await api("/v1/openapi.json");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(await (await api("/openapi.json")).json()).toEqual(doc);
    expect((await apiJson("/v1/openapi.json?x=1")).status).toBe(400);
  });

  it("documents every route Hono registered, and only those", () => {
    const registered = app.routes.filter((r) => r.method !== "ALL");
    expect(registered.length).toBeGreaterThan(30);
    expect(undocumented(registered)).toEqual([]);
    // Every documented operation answers both with and without /v1.
    const keys = new Set(registered.map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, "{$1}")}`));
    for (const { method, path } of operations()) {
      expect(keys.has(`${method} ${path}`), `${method} ${path}`).toBe(true);
      expect(keys.has(`${method} ${path.slice(3)}`), `${method} ${path.slice(3)}`).toBe(true);
    }
    // The check sees a route added without an entry in route-docs.ts.
    expect(undocumented([...registered, { method: "GET", path: "/v1/no-such-route" }, { method: "POST", path: "/status" }])).toEqual(["GET /v1/no-such-route", "POST /status"]);
  });

  it("takes request bodies, queries and path parameters from the request schemas", () => {
    expect(bodySchemaOf("post", "/v1/start")).toEqual({ $ref: "#/components/schemas/StartTestRequest" });
    const start = doc.components.schemas.StartTestRequest;
    expect(start.properties.pattern.enum).toEqual([...PATTERNS]);
    expect(start.required).toEqual(["pattern", "durationSec"]);
    expect(start.additionalProperties).toBe(false);
    // A schedule's request is the very StartTestRequest, referenced rather than copied.
    expect(doc.components.schemas.ScheduleCreate.properties.request).toEqual({ $ref: "#/components/schemas/StartTestRequest" });
    expect(operation("patch", "/v1/history/{id}").parameters).toEqual([{ name: "id", in: "path", required: true, schema: expect.objectContaining({ type: "string", format: "uuid" }) }]);
    const limit = operation("get", "/v1/history").parameters!.find((p) => p.name === "limit")!;
    expect(limit).toMatchObject({ in: "query", required: false, schema: { type: "integer", minimum: 1, maximum: 100, default: 50 } });
    expect(operation("get", "/v1/metrics").responses["200"].content).toHaveProperty(["text/plain; version=0.0.4; charset=utf-8"]);
  });

  it("gives the 400 its error shape wherever a route validates input, and bearer auth everywhere but /health and /auth", () => {
    expect(doc.components.schemas.ValidationError).toMatchObject({
      type: "object",
      required: ["error", "details"],
      properties: { details: { type: "array", items: { type: "object", required: ["field", "message"] } } },
    });
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
    expect(doc.security).toEqual([{ bearerAuth: [] }]);
    for (const { method, path, op } of operations()) {
      const name = `${method} ${path}`;
      if (op.requestBody || op.parameters) expect(op.responses["400"]?.content?.["application/json"].schema, name).toEqual({ $ref: "#/components/schemas/ValidationError" });
      if (path === "/v1/health" || path === "/v1/auth") {
        expect(op.security, name).toEqual([]);
        expect(op.responses["401"], name).toBeUndefined();
      } else {
        expect(op.security, name).toBeUndefined();
        expect(op.responses["401"]?.content?.["application/json"].schema, name).toEqual({ $ref: "#/components/schemas/Error" });
      }
    }
  });

  it("POST /v1/start: a body the document accepts passes validation; each one it refuses is a 400 naming the same field", async () => {
    const schema = bodySchemaOf("post", "/v1/start");
    expect(refusedByDocument(schema, VALID_START)).toEqual([]);
    // A builder that cannot answer: past validation the route stops at the chain check (503), so nothing starts.
    const dead = { ...env, BUILDER_RPC_URL: "http://127.0.0.1:9" };
    const post = (body: unknown) => app.request("/v1/start", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }, dead);
    expect((await post(VALID_START)).status).toBe(503);
    for (const [what, body] of INVALID_STARTS) {
      const fields = refusedByDocument(schema, body);
      expect(fields.length, what).toBeGreaterThan(0);
      const response = await post(body);
      expect({ what, status: response.status, fields: refusedByRoute(await response.json()) }).toEqual({ what, status: 400, fields });
    }
  });

  it("POST and PATCH /v1/schedules: the nested StartTestRequest ($ref) and the schedule's own fields judged alike", async () => {
    const create = bodySchemaOf("post", "/v1/schedules");
    const valid = { name: "openapi-test", cron: "0 0 1 1 *", enabled: false, request: { pattern: "constant", durationSec: 5, constantRate: 10 } };
    expect(refusedByDocument(create, valid)).toEqual([]);
    const created = await apiJson("/v1/schedules", { method: "POST", json: valid });
    expect(created.status).toBe(201);
    const id: string = created.body.schedule.id;
    try {
      for (const body of [{ ...valid, request: { ...valid.request, durationSec: 7200 } }, { ...valid, enabled: "no" }, { ...valid, request: { ...valid.request, transactionType: "nft-mint" } }]) {
        const fields = refusedByDocument(create, body);
        expect(fields.length).toBeGreaterThan(0);
        const { status, body: answer } = await apiJson("/v1/schedules", { method: "POST", json: body });
        expect({ status, fields: refusedByRoute(answer) }).toEqual({ status: 400, fields });
      }
      const patch = bodySchemaOf("patch", "/v1/schedules/{id}");
      expect(refusedByDocument(patch, { name: null, enabled: false })).toEqual([]);
      expect((await apiJson(`/v1/schedules/${id}`, { method: "PATCH", json: { name: null, enabled: false } })).status).toBe(200);
      const tooOften = { everySeconds: 5 };
      expect(refusedByDocument(patch, tooOften)).toEqual(["everySeconds"]);
      const { status, body } = await apiJson(`/v1/schedules/${id}`, { method: "PATCH", json: tooOften });
      expect({ status, fields: refusedByRoute(body) }).toEqual({ status: 400, fields: ["everySeconds"] });
    } finally {
      await apiJson(`/v1/schedules/${id}`, { method: "DELETE" });
    }
  });

  it("GET /v1/history: a query the parameters accept answers 200; one they refuse is a 400 naming the parameter", async () => {
    const limit = operation("get", "/v1/history").parameters!.find((p) => p.name === "limit")!;
    expect(refusedByDocument(limit.schema, 5)).toEqual([]);
    expect((await apiJson("/v1/history?limit=5")).status).toBe(200);
    expect(refusedByDocument(limit.schema, 101)).toEqual([""]);
    const { status, body } = await apiJson("/v1/history?limit=101");
    expect({ status, fields: refusedByRoute(body) }).toEqual({ status: 400, fields: ["limit"] });
  });
});
