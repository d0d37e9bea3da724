/**
 * What each route of the API takes and answers, for GET /v1/openapi.json. Requests point at the
 * very zod schemas the handlers validate with; nothing here restates a request's shape. A route
 * registered in app.ts without an entry here fails test/workers/openapi.test.ts.
 */
import type { z } from "zod";
import { PROMETHEUS_CONTENT_TYPE } from "../metrics/prometheus-text";
import {
  firingsQuery,
  historyPatch,
  historyQuery,
  noQuery,
  recycleRequest,
  runIdParam,
  scheduleCreate,
  schedulePatch,
  startTestRequest,
  transactionsQuery,
} from "./schemas";

export type HttpMethod = "get" | "post" | "patch" | "delete";

export interface RouteDoc {
  method: HttpMethod;
  /** As the route is registered, under /v1 (each also answers unversioned): `/history/:id`. */
  path: string;
  summary: string;
  /** The JSON body the handler parses; named in components.schemas. */
  body?: { schema: z.ZodType; name: string };
  query?: z.ZodObject;
  params?: z.ZodObject;
  /** Answers besides the request errors (400, 401, 413, 415), which are added where they apply. */
  responses: Record<number, string>;
  /** Failure statuses that answer the route's own JSON rather than `{ error }`. */
  ownShapeOnFailure?: number[];
  /** The media type of a success that is not JSON. */
  produces?: string;
  /** Answers without the API token. */
  open?: true;
}

const ID = runIdParam;
/** The routes that sign (chain-guard.ts) refuse a chain other than the dev chain while no API_TOKEN is set. */
const OFF_DEV_CHAIN = "API_TOKEN is set and the request does not carry it as a Bearer credential; or no API_TOKEN is set and the RPC is not the dev chain";

export const ROUTE_DOCS: RouteDoc[] = [
  {
    method: "post",
    path: "/start",
    summary: "Start a run",
    body: { schema: startTestRequest, name: "StartTestRequest" },
    responses: {
      200: "`{ status: \"started\", runId }`",
      401: OFF_DEV_CHAIN,
      409: "A run is active: `details.runId` names it",
      422: "EXECUTION_LAYER names no known layer",
      503: "The builder RPC does not answer",
    },
  },
  { method: "post", path: "/stop", summary: "Stop the active run (through the stop sequence)", responses: { 200: "`{ status, runId }`", 409: "No run is active" } },
  { method: "post", path: "/reset", summary: "End the active run unverified and release the lock", responses: { 200: "`{ status: \"reset\", runId }`", 409: "No run is active" } },
  {
    method: "post",
    path: "/recycle",
    summary: "Sweep the senders' balances back to the funder",
    body: { schema: recycleRequest, name: "RecycleRequest" },
    responses: { 200: "`{ status: \"success\"|\"partial\", recycled, error? }`", 401: OFF_DEV_CHAIN, 409: "A run is active", 422: "EXECUTION_LAYER names no known layer", 503: "The builder RPC does not answer" },
  },
  { method: "get", path: "/status", summary: "Live TestMetrics of the active or latest run", responses: { 200: "TestMetrics" } },
  { method: "get", path: "/metrics", summary: "The latest run in the Prometheus text format 0.0.4", query: noQuery, produces: PROMETHEUS_CONTENT_TYPE, responses: { 200: "Prometheus text exposition" } },
  { method: "get", path: "/history", summary: "Past runs, newest first", query: historyQuery, responses: { 200: "`{ runs, total, limit, offset }`" } },
  { method: "get", path: "/history/:id", summary: "One run with its time series", params: ID, responses: { 200: "`{ run, timeSeries }`", 404: "No such run" } },
  { method: "patch", path: "/history/:id", summary: "Rename a run or mark it favourite", params: ID, body: { schema: historyPatch, name: "HistoryPatch" }, responses: { 200: "`{ run }`", 404: "No such run" } },
  { method: "delete", path: "/history/:id", summary: "Delete a run and its records", params: ID, responses: { 200: "`{ deleted: true }`", 404: "No such run", 409: "The run is still active" } },
  {
    method: "get",
    path: "/history/:id/transactions",
    summary: "A run's logged transactions",
    params: ID,
    query: transactionsQuery,
    responses: { 200: "`{ transactions, total, limit, offset }`", 404: "No such run" },
  },
  {
    method: "get",
    path: "/history/:id/status",
    summary: "A run's whole TestMetrics as its coordinator kept them (per region, bursts, tips: what the run row lacks)",
    params: ID,
    query: noQuery,
    responses: { 200: "TestMetrics", 404: "No such run" },
  },
  {
    method: "get",
    path: "/ws",
    summary: "WebSocket: TestMetrics JSON every 200 ms while a run is live, then on change; the latest at once on connect. A browser offers the subprotocol `loadgen` and, with a token, `loadgen.bearer.<token as base64url>`",
    query: noQuery,
    responses: {
      101: "Switching Protocols (with `Sec-WebSocket-Protocol: loadgen` when it was offered)",
      401: "API_TOKEN is set and the upgrade carries it neither as a Bearer credential nor as the subprotocol `loadgen.bearer.<base64url>`",
      426: "Not a WebSocket upgrade",
    },
  },
  { method: "get", path: "/auth", summary: "Whether this API wants a token, so a client can ask for it before its first call", query: noQuery, open: true, responses: { 200: "`{ tokenRequired }`" } },
  { method: "get", path: "/health", summary: "Liveness", open: true, responses: { 200: "`{ status: \"ok\" }`" } },
  { method: "get", path: "/ready", summary: "Readiness: the builder RPC and the L2 RPC answer", responses: { 200: "Both answer", 503: "One of them does not (the same body, ready: false)" }, ownShapeOnFailure: [503] },
  { method: "get", path: "/layers", summary: "The execution-layer registry, the detected layer and the one a run would use", query: noQuery, responses: { 200: "`{ layers, detected, configured, active }`" } },
  { method: "get", path: "/schedules", summary: "Every schedule", responses: { 200: "`{ schedules }`" } },
  { method: "post", path: "/schedules", summary: "Create a schedule", body: { schema: scheduleCreate, name: "ScheduleCreate" }, responses: { 201: "`{ schedule }`" } },
  { method: "get", path: "/schedules/:id", summary: "One schedule with its latest firings", params: ID, query: firingsQuery, responses: { 200: "`{ schedule, firings }`", 404: "No such schedule" } },
  { method: "patch", path: "/schedules/:id", summary: "Change a schedule", params: ID, body: { schema: schedulePatch, name: "SchedulePatch" }, responses: { 200: "`{ schedule }`", 404: "No such schedule" } },
  { method: "delete", path: "/schedules/:id", summary: "Delete a schedule", params: ID, responses: { 200: "`{ deleted: true }`", 404: "No such schedule" } },
  { method: "get", path: "/openapi.json", summary: "This document", query: noQuery, responses: { 200: "OpenAPI 3.1 document" } },
];
