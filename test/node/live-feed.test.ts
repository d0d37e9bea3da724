/**
 * `GET /v1/ws` (PRODUCT.md §14) over a real network WebSocket, as a browser or a script meets it:
 * several viewers at once receive the run's metrics every tick during a real run against anvil,
 * the last message is the run's final TestMetrics, a viewer that leaves does not disturb the
 * others, and a late viewer gets the latest picture at once.
 *
 * Why in Node and not in workerd: in the pool, a socket that a Durable Object created reaches the
 * test as an I/O object of another Durable Object, which workerd refuses now and then ("Cannot
 * perform I/O on behalf of a different Durable Object"): a harness limit, not the product's.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { getJson, startRun, TERMINAL_STATUSES } from "../../scripts/lib/client";
import { startLocalStack, type LocalStack } from "../../scripts/lib/local-stack";
import type { TestMetrics } from "../../src/metrics/test-metrics";
import { until } from "../support/until";

interface Viewer {
  socket: WebSocket;
  received: TestMetrics[];
  protocol: string;
}

let stack: LocalStack;
const open: Viewer[] = [];

async function connect(protocols?: string[]): Promise<Viewer> {
  const socket = new WebSocket(`${stack.apiUrl.replace(/^http/, "ws")}/v1/ws`, protocols);
  const viewer: Viewer = { socket, received: [], protocol: "" };
  socket.on("message", (data) => viewer.received.push(JSON.parse(String(data))));
  await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
  viewer.protocol = socket.protocol;
  open.push(viewer);
  return viewer;
}

async function finalMetrics(runId: string): Promise<TestMetrics> {
  for (;;) {
    const m = await getJson<TestMetrics>(`${stack.apiUrl}/v1/status`);
    if (m.runId === runId && TERMINAL_STATUSES.includes(m.status)) return m;
    await new Promise((r) => setTimeout(r, 250));
  }
}

const STATUS_ORDER = ["initializing", "running", "verifying", "completed"];

describe("GET /v1/ws over the network", () => {
  beforeAll(async () => {
    stack = await startLocalStack({ blockTimeSec: 1 });
  });

  afterAll(async () => {
    for (const viewer of open) viewer.socket.terminate();
    await stack?.stop();
  });

  it("answers a request that is not an upgrade with 426", async () => {
    const response = await fetch(`${stack.apiUrl}/v1/ws`);
    expect(response.status).toBe(426);
    expect(((await response.json()) as { error: string }).error).toMatch(/WebSocket/);
  });

  it("pushes every tick to every viewer during a run, ends on the final metrics, and survives a viewer leaving", async () => {
    const viewers = await Promise.all([connect(), connect(), connect()]);
    // Each viewer gets the latest picture on connect, before any push.
    await until("a first message for every viewer", () => viewers.every((v) => v.received.length >= 1), 5_000);

    const runId = await startRun(stack.apiUrl, { pattern: "constant", durationSec: 3, numAccounts: 4, constantRate: 20, name: "live-feed" });
    const ofRun = (v: Viewer) => v.received.filter((m) => m.runId === runId);

    await until("every viewer sees the run sending", () => viewers.every((v) => ofRun(v).some((m) => m.status === "running" && m.txSent > 0)));
    const [first, second, leaving] = viewers;
    leaving.socket.close(1000, "viewer leaves");
    const beforeLeaving = ofRun(first).length;

    const final = await finalMetrics(runId);
    expect(final.status).toBe("completed");
    await until("the final metrics reach the viewers that stayed", () => [first, second].every((v) => ofRun(v).at(-1)?.status === "completed"), 5_000);

    for (const viewer of [first, second]) {
      const messages = ofRun(viewer);
      // After the departure the feed went on for the others: the rest of the run (its settling at least), then its end.
      expect(messages.length).toBeGreaterThan(beforeLeaving + 2);
      // One push per 200 ms tick: a 3 s run gives ~15 while running (some may merge when a push waits).
      expect(messages.filter((m) => m.status === "running").length).toBeGreaterThanOrEqual(8);
      // Figures only grow, statuses only move forward.
      for (let i = 1; i < messages.length; i++) {
        expect(messages[i].txSent).toBeGreaterThanOrEqual(messages[i - 1].txSent);
        expect(STATUS_ORDER.indexOf(messages[i].status)).toBeGreaterThanOrEqual(STATUS_ORDER.indexOf(messages[i - 1].status));
      }
      // The last message is the run's final TestMetrics, exactly as /v1/status gives them.
      expect(messages.at(-1)).toEqual(final);
    }
    // Both stayers saw the same pictures.
    expect(ofRun(second).map((m) => m.txSent)).toEqual(ofRun(first).map((m) => m.txSent));

    // Then only on change: a finished run sends nothing more.
    const settled = first.received.length;
    await new Promise((r) => setTimeout(r, 1_000));
    expect(first.received.length).toBe(settled);

    // A late viewer gets the final picture at once; any message asks for it again.
    const late = await connect();
    await until("the late viewer's first message", () => late.received.length === 1, 5_000);
    expect(late.received[0]).toEqual(final);
    late.socket.send("latest");
    await until("an answer to the late viewer's request", () => late.received.length === 2, 5_000);
    expect(late.received[1]).toEqual(final);
  });

  it("answers the loadgen subprotocol when it is offered, and names none otherwise", async () => {
    expect((await connect(["loadgen"])).protocol).toBe("loadgen");
    expect((await connect()).protocol).toBe("");
  });
});
