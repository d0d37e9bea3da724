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
}

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

/** A send of the request, with the tally it counts in and when it arrived. */
interface PendingSend {
  id: unknown;
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
    this.phases.push({ label, startedAt: at, endedAt: null, requests: 0, load: emptyTally(), other: emptyTally(), cpuAtStart: cpu, cpuAtEnd: null });
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
      sends.push({ id: call.id, tally, arrival });
    }
    return sends;
  }

  private forward(req: IncomingMessage, body: Buffer, res: ServerResponse): void {
    this.phases.at(-1)!.requests++;
    const sends = this.sendsOf(body);
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
          if (sends.length) this.settle(sends, answer.statusCode === 200 ? Buffer.concat(kept) : null);
        });
        answer.on("error", () => {
          res.destroy();
          this.settle(sends, null);
        });
      },
    );
    upstream.on("error", () => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "application/json" });
      res.end();
      this.settle(sends, null);
    });
    upstream.end(body);
  }

  /** Counts each send by its call's answer: accepted when it carries a result (matched by id, in order). */
  private settle(sends: PendingSend[], answerBody: Buffer | null): void {
    const answeredAt = now();
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
      recordAnswer(send.tally, send.arrival, answeredAt, answer !== undefined && answer.error === undefined && "result" in answer);
    }
  }
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
