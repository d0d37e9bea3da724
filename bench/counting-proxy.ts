/**
 * The benchmark's pass-through counting proxy: every byte between the senders and anvil goes
 * through unchanged, and each `eth_sendRawTransaction` call (single or in a batch) is counted by
 * when its request arrived and whether the node's answer to that call was a result or an error.
 *
 * Sends are told apart by recipient: a load transfer (the ceiling's and the worker's eth-transfer)
 * pays `--load-to`, whose 20 bytes appear RLP-encoded (0x94 + address) in the raw transaction;
 * funding transfers (to the senders) and closing self-transfers (to oneself) count as "other".
 *
 * The benchmark runs it as its own process (`node --import tsx bench/counting-proxy.ts --port P
 * --target URL --load-to ADDRESS`), so its CPU is apart from the sender's and the status poller's;
 * it answers two routes of its own:
 *   POST /__proxy/mark?label=NAME   sends from now on count in a new phase NAME
 *   GET  /__proxy/report            every phase's tallies and the proxy's CPU time in it
 *
 * Memory per phase: a few counters and a pair of counts per 100 ms (bench/figures.ts).
 *
 * Its cost, measured on the 2-core machine (2026-11-27, load average ~2.5 from other work): the
 * ceiling sender, 20,000 pre-signed transfers in batches of 200, timed by itself, alternately
 * straight at anvil and through the proxy: 6,190 / 6,369 vs 5,269 / 4,633 tps over 6 connections,
 * 7,198 / 7,288 vs 6,831 / 6,391 tps over 32 — about 10–20 % (run to run the figures move ±15 %).
 * That is CPU taken from anvil and the sender on two cores (~25–30 µs per send), not delay: the
 * time it adds to a request beyond the node's own is ~1.3 ms, 0.1–0.3 % of it. `npm run bench
 * -- --direct-ceiling` measures the sender's view again.
 */
import { Agent, createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { freePort, startProcess, waitUntil } from "../scripts/lib/processes";
import { emptyTally, noteArrival, recordAnswer, type SendTally } from "./figures";

export interface PhaseReport {
  label: string;
  startedAt: number;
  /** When the next phase was marked (null: still current). */
  endedAt: number | null;
  /** Every request proxied in the phase (sends and reads). */
  requests: number;
  load: SendTally;
  other: SendTally;
  /** The proxy's own user + system CPU time during the phase. */
  proxyCpuMs: number;
  /** Sends the node refused, by the start of its error message (at most MAX_ERROR_KINDS kinds). */
  errors: Record<string, number>;
  /** Requests whose forwarding failed (no answer from the node, or not HTTP 200). */
  upstreamFailures: number;
  /**
   * Requests carrying sends: the time from having read the request whole to the end of its answer,
   * and the part of it spent upstream (from forwarding the request to the end of the node's
   * answer). The rest is what the proxy adds: parsing, forwarding, copying, waiting for its turn.
   */
  sendRequests: number;
  sendRequestMs: number;
  upstreamMs: number;
}

const MAX_ERROR_KINDS = 20;

interface Phase extends Omit<PhaseReport, "proxyCpuMs"> {
  cpuAtStart: NodeJS.CpuUsage;
  cpuAtEnd: NodeJS.CpuUsage | null;
}

const now = () => performance.timeOrigin + performance.now();
const cpuMs = (from: NodeJS.CpuUsage, to: NodeJS.CpuUsage) => (to.user - from.user + to.system - from.system) / 1000;

interface RpcCall {
  id?: unknown;
  method?: string;
  params?: unknown[];
}

interface RpcAnswer {
  id?: unknown;
  result?: unknown;
  error?: unknown;
}

/** A send of the request, with the phase and tally it counts in and when it arrived. */
interface PendingSend {
  id: unknown;
  phase: Phase;
  tally: SendTally;
  arrival: number;
}

export class CountingProxy {
  private readonly phases: Phase[] = [];
  private readonly agent = new Agent({ keepAlive: true });
  private readonly server: Server;
  private readonly loadMarker: string;

  constructor(
    private readonly target: URL,
    loadTo: string,
  ) {
    this.loadMarker = `94${loadTo.toLowerCase().replace(/^0x/, "")}`;
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 60_000;
    this.mark("before the first mark");
  }

  mark(label: string): void {
    const at = now();
    const cpu = process.cpuUsage();
    const current = this.phases.at(-1);
    if (current) Object.assign(current, { endedAt: at, cpuAtEnd: cpu });
    this.phases.push({
      label,
      startedAt: at,
      endedAt: null,
      requests: 0,
      load: emptyTally(),
      other: emptyTally(),
      errors: {},
      upstreamFailures: 0,
      sendRequests: 0,
      sendRequestMs: 0,
      upstreamMs: 0,
      cpuAtStart: cpu,
      cpuAtEnd: null,
    });
  }

  report(): PhaseReport[] {
    return this.phases.map(({ cpuAtStart, cpuAtEnd, ...phase }) => ({ ...phase, proxyCpuMs: Math.round(cpuMs(cpuAtStart, cpuAtEnd ?? process.cpuUsage())) }));
  }

  listen(port = 0): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, "127.0.0.1", () => resolve((this.server.address() as { port: number }).port));
    });
  }

  close(): Promise<void> {
    this.agent.destroy();
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      if (req.url?.startsWith("/__proxy/")) return this.control(req.url, res);
      this.forward(req, body, res);
    });
  }

  private control(url: string, res: ServerResponse): void {
    const parsed = new URL(url, "http://proxy");
    if (parsed.pathname === "/__proxy/mark") this.mark(parsed.searchParams.get("label") ?? "unnamed");
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(parsed.pathname === "/__proxy/report" ? this.report() : { ok: true }));
  }

  /** The sends of a request body, noted as arrived in the current phase. */
  private sendsOf(body: Buffer): PendingSend[] {
    if (body.indexOf("eth_sendRawTransaction") < 0) return [];
    let parsed: RpcCall | RpcCall[];
    try {
      parsed = JSON.parse(body.toString("utf8"));
    } catch {
      return [];
    }
    const phase = this.phases.at(-1)!;
    const arrival = now();
    const sends: PendingSend[] = [];
    for (const call of Array.isArray(parsed) ? parsed : [parsed]) {
      if (call?.method !== "eth_sendRawTransaction") continue;
      const raw = call.params?.[0];
      const tally = typeof raw === "string" && raw.toLowerCase().includes(this.loadMarker) ? phase.load : phase.other;
      noteArrival(tally, arrival);
      sends.push({ id: call.id, phase, tally, arrival });
    }
    return sends;
  }

  private forward(req: IncomingMessage, body: Buffer, res: ServerResponse): void {
    const readAt = now();
    const phase = this.phases.at(-1)!;
    phase.requests++;
    const sends = this.sendsOf(body);
    const forwardedAt = now();
    const done = (answerBody: Buffer | null) => {
      if (!answerBody) phase.upstreamFailures++;
      if (!sends.length) return;
      const answeredAt = now();
      phase.sendRequests++;
      phase.sendRequestMs += answeredAt - readAt;
      phase.upstreamMs += answeredAt - forwardedAt;
      this.settle(sends, answerBody, answeredAt);
    };
    const upstream = httpRequest(
      { agent: this.agent, host: this.target.hostname, port: this.target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        const kept: Buffer[] = [];
        answer.on("data", (c: Buffer) => {
          res.write(c);
          if (sends.length) kept.push(c);
        });
        answer.on("end", () => {
          res.end();
          done(answer.statusCode === 200 ? Buffer.concat(kept) : null);
        });
        answer.on("error", () => {
          res.destroy();
          done(null);
        });
      },
    );
    upstream.on("error", () => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "application/json" });
      res.end();
      done(null);
    });
    upstream.end(body);
  }

  /** Counts each send by its call's answer: accepted when it carries a result (matched by id, in order). */
  private settle(sends: PendingSend[], answerBody: Buffer | null, answeredAt: number): void {
    const byId = new Map<unknown, RpcAnswer[]>();
    if (answerBody) {
      try {
        const parsed = JSON.parse(answerBody.toString("utf8")) as RpcAnswer | RpcAnswer[];
        for (const a of Array.isArray(parsed) ? parsed : [parsed]) byId.set(a?.id, [...(byId.get(a?.id) ?? []), a]);
      } catch {
        // Not JSON: every send of the request counts as rejected.
      }
    }
    for (const send of sends) {
      const answer = byId.get(send.id)?.shift();
      const accepted = answer !== undefined && answer.error === undefined && "result" in answer;
      recordAnswer(send.tally, send.arrival, answeredAt, accepted);
      if (!accepted) countError(send.phase.errors, answer === undefined ? (answerBody ? "no answer for the call" : "no answer from the node") : errorKind(answer.error));
    }
  }
}

/** The start of an error's message, without hex values (hashes, addresses, amounts) that make every one differ. */
function errorKind(error: unknown): string {
  const message = typeof error === "object" && error !== null && "message" in error ? String((error as { message: unknown }).message) : JSON.stringify(error);
  return message.replace(/0x[0-9a-fA-F]+/g, "0x…").replace(/\d+/g, "N").slice(0, 80);
}

function countError(errors: Record<string, number>, kind: string): void {
  if (kind in errors || Object.keys(errors).length < MAX_ERROR_KINDS) errors[kind] = (errors[kind] ?? 0) + 1;
  else errors.other = (errors.other ?? 0) + 1;
}

export interface CountingProxyProcess {
  url: string;
  mark: (label: string) => Promise<void>;
  report: () => Promise<PhaseReport[]>;
  stop: () => Promise<void>;
  pid: number;
}

/** Starts the proxy as its own Node process in front of `targetUrl`. */
export async function startCountingProxy(targetUrl: string, loadTo: string): Promise<CountingProxyProcess> {
  const port = await freePort();
  const script = join(process.cwd(), "bench", "counting-proxy.ts");
  const proc = startProcess(process.execPath, ["--import", "tsx", script, "--port", String(port), "--target", targetUrl, "--load-to", loadTo]);
  const url = `http://127.0.0.1:${port}`;
  const control = (path: string, method = "GET") => fetch(`${url}/__proxy/${path}`, { method });
  await waitUntil("counting proxy", async () => (await control("report")).ok, 30_000, proc.child).catch(async (err) => {
    await proc.stop();
    throw new Error(`${err.message}\n${proc.output()}`);
  });
  return {
    url,
    pid: proc.child.pid!,
    mark: async (label) => void (await control(`mark?label=${encodeURIComponent(label)}`, "POST")).arrayBuffer(),
    report: async () => (await control("report")).json() as Promise<PhaseReport[]>,
    stop: proc.stop,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { port: { type: "string", default: "0" }, target: { type: "string" }, "load-to": { type: "string" } } });
  if (!values.target || !values["load-to"]) throw new Error("usage: counting-proxy.ts --target URL --load-to ADDRESS [--port P]");
  const proxy = new CountingProxy(new URL(values.target), values["load-to"]);
  const port = await proxy.listen(Number(values.port));
  console.log(`counting proxy on http://127.0.0.1:${port} → ${values.target}`);
  process.on("SIGTERM", () => void proxy.close().then(() => process.exit(0)));
}
