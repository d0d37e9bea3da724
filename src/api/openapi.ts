/**
 * GET /openapi.json: an OpenAPI 3.1 document of the API. Request bodies, queries and path
 * parameters are the handlers' own zod schemas turned into JSON Schema 2020-12 (the dialect OpenAPI
 * 3.1 uses) by zod's `toJSONSchema`; route-docs.ts says which route takes which.
 */
import { Hono } from "hono";
import { z } from "zod";
import type { Env } from "../config";
import { ROUTE_DOCS, type RouteDoc } from "./route-docs";
import { noQuery } from "./schemas";
import { fieldProblem, parseQuery } from "./validate";

export const openApiRoutes = new Hono<{ Bindings: Env }>();

openApiRoutes.get("/openapi.json", (c) => {
  parseQuery(c, noQuery);
  return c.json(openApiDocument());
});

/** The shape app.ts's error handler answers with; a 400 from validation has `details` as below. */
const errorBody = z.object({ error: z.string(), details: z.unknown().optional() });
const validationError = z.object({ error: z.string().meta({ description: "Every problem, `field: rule`, joined by `; `" }), details: z.array(fieldProblem) });

const COMPONENT = "#/components/schemas/";
const ref = (name: string) => ({ $ref: `${COMPONENT}${name}` });
/** Requests are described as a client sends them: fields with a default are optional. */
const JSON_SCHEMA = { target: "draft-2020-12", io: "input" } as const;

type JsonSchema = Record<string, unknown>;

let document: object | undefined;

/** Built once per isolate: the schemas do not change while it lives. */
export function openApiDocument(): object {
  document ??= buildDocument();
  return document;
}

function buildDocument(): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const route of ROUTE_DOCS) (paths[`/v1${openApiPath(route.path)}`] ??= {})[route.method] = operation(route);
  return {
    openapi: "3.1.0",
    info: {
      title: "edge-loadgen API",
      version: "1",
      description:
        "Load generator for EVM sequencers. Every route also answers without the /v1 prefix. Request bodies must be application/json of at most 64 KiB. Rules across fields (the fields a pattern needs, limits between fields) are checked as well; every refusal is a 400 that names the field.",
    },
    paths,
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        bearerAuth: { type: "http", scheme: "bearer", description: "The worker's API_TOKEN. Without API_TOKEN set the API is open (and signs only on the dev chain)." },
      },
    },
    security: [{ bearerAuth: [] }],
  };
}

/** Hono's `/history/:id` is OpenAPI's `/history/{id}`. */
export function openApiPath(honoPath: string): string {
  return honoPath.replace(/:(\w+)/g, "{$1}");
}

function componentSchemas(): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const route of ROUTE_DOCS) if (route.body) registry.add(route.body.schema, { id: route.body.name });
  registry.add(errorBody, { id: "Error" });
  registry.add(validationError, { id: "ValidationError" });
  const { schemas } = z.toJSONSchema(registry, { ...JSON_SCHEMA, uri: (id) => `${COMPONENT}${id}` });
  // Each would name itself and the dialect; inside an OpenAPI 3.1 document both are implied.
  return Object.fromEntries(Object.entries(schemas).map(([name, { $schema: _dialect, $id: _id, ...schema }]) => [name, schema]));
}

function operation(route: RouteDoc): object {
  const parameters = [...parametersOf(route.params, "path"), ...parametersOf(route.query, "query")];
  return {
    operationId: operationId(route),
    summary: route.summary,
    ...(route.open ? { security: [] } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(route.body ? { requestBody: { required: true, content: { "application/json": { schema: ref(route.body.name) } } } } : {}),
    responses: responsesOf(route),
  };
}

function parametersOf(schema: z.ZodObject | undefined, where: "path" | "query"): object[] {
  if (!schema) return [];
  const json = z.toJSONSchema(schema, JSON_SCHEMA) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === "path" || (json.required ?? []).includes(name),
    schema: property,
  }));
}

function responsesOf(route: RouteDoc): Record<string, object> {
  const out: Record<string, object> = {};
  const error = (description: string) => ({ description, content: { "application/json": { schema: ref("Error") } } });
  for (const [status, description] of Object.entries(route.responses)) {
    const failure = Number(status) >= 400 && !route.ownShapeOnFailure?.includes(Number(status));
    out[status] = failure ? error(description) : { description, content: { [Number(status) < 400 && route.produces ? route.produces : "application/json"]: {} } };
  }
  if (route.body || route.query || route.params) {
    out["400"] = { description: "A field is invalid: `details` names each one and its rule", content: { "application/json": { schema: ref("ValidationError") } } };
  }
  if (!route.open) out["401"] ??= error("API_TOKEN is set and the request does not carry it as a Bearer credential");
  if (route.body) {
    out["413"] = error("The body is over 64 KiB");
    out["415"] = error("The body is not application/json");
  }
  return out;
}

/** `get /history/:id/transactions` → `getHistoryIdTransactions`. */
function operationId(route: RouteDoc): string {
  const words = route.path.split(/[/:.]+/).filter(Boolean);
  return route.method + words.map((w) => w[0].toUpperCase() + w.slice(1)).join("");
}
