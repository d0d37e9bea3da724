/**
 * The `loadgen` command as a pipeline meets it: `npx loadgen` run as a child process against anvil +
 * `wrangler dev` (started once, with an API token), short real runs, exit codes 0/99/1, `--json`,
 * Ctrl-C, the history and an HTML report opened offline in chromium.
 */
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { startLocalStack, type LocalStack } from "../../scripts/lib/local-stack";
import { waitUntil } from "../../scripts/lib/processes";
import type { TestMetrics } from "../../src/metrics/test-metrics";

const TOKEN = "cli-test-token-5f2a9c";
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

let stack: LocalStack;
let browser: Promise<Browser>;
const outputs: string[] = [];
const started: string[] = [];

beforeAll(async () => {
  // Chromium starts while wrangler does: on two cores each takes seconds.
  browser = chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
  browser.catch(() => {});
  stack = await startLocalStack({ blockTimeSec: 1, vars: { API_TOKEN: TOKEN } });
});

afterAll(async () => {
  await (await browser.catch(() => undefined))?.close();
  await stack?.stop();
});

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment a pipeline would give: the API's URL and token, unless a test takes them away. */
const env = (overrides: Record<string, string | undefined> = {}) => ({ ...process.env, LOADGEN_URL: stack.apiUrl, LOADGEN_TOKEN: TOKEN, ...overrides });

/**
 * The CLI as a child process: `npx loadgen …` exactly as a user types it in the project, or its bin
 * file run by node (the same program without npm's own start-up, for the quick ones).
 */
function loadgen(args: string[], environment = env(), via: "npx" | "node" = "node"): Promise<Outcome> {
  const [command, prefix] = via === "npx" ? ["npx", ["loadgen"]] : [process.execPath, ["cli/loadgen.mjs"]];
  return new Promise((resolve) => {
    execFile(command, [...prefix, ...args], { env: environment, timeout: 90_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      outputs.push(stdout, stderr);
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

async function api<T>(path: string): Promise<T> {
  const response = await fetch(`${stack.apiUrl}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(response.status, path).toBe(200);
  return (await response.json()) as T;
}

const runIdIn = (text: string) => /run ([0-9a-f-]{36}) started/.exec(text)?.[1];
const SHORT_RUN = ["--rate", "5", "--duration", "2", "--accounts", "2"];

describe("loadgen run", () => {
  it("refuses a malformed threshold before anything starts, naming it", async () => {
    const before = await api<{ total: number }>("/v1/history");
    const outcome = await loadgen(["run", ...SHORT_RUN, "--threshold", "txFailed==0", "--threshold", "txFailed=0"]);
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toContain(`threshold "txFailed=0": expected an operator`);
    expect((await api<{ total: number }>("/v1/history")).total).toBe(before.total);
  });

  it("exits 1 with the API's message when it refuses the request, naming the field", async () => {
    const [outcome, noToken] = await Promise.all([
      loadgen(["run", "--pattern", "constant", "--constant-rate", "5", "--duration-sec", "0"]),
      loadgen(["run", ...SHORT_RUN], env({ LOADGEN_TOKEN: undefined })),
    ]);
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toMatch(/POST \/v1\/start refused \(HTTP 400\): invalid request body: durationSec: /);
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toMatch(/refused \(HTTP 401\): this API needs its token/);
  });

  it("exits 0 when every threshold holds, and --json prints only the final metrics and results", async () => {
    const thresholds = ["txFailed==0", "txConfirmed>=1", "confirmLatency.p99<60000", "averageTps>=0.5*targetTps", "errors.timeout==0"];
    // The token as a flag this time, none in the environment.
    const outcome = await loadgen(["run", ...SHORT_RUN, "--json", "--token", TOKEN, ...thresholds.flatMap((t) => ["--threshold", t])], env({ LOADGEN_TOKEN: undefined }), "npx");
    expect(outcome.code, outcome.stderr).toBe(0);
    const printed = JSON.parse(outcome.stdout) as { metrics: TestMetrics; thresholds: Array<{ expression: string; passed: boolean }> };
    started.push(printed.metrics.runId!);
    expect(printed.metrics).toEqual(await api<TestMetrics>("/v1/status"));
    expect(printed.metrics).toMatchObject({ status: "completed", verification: { verified: true } });
    expect(printed.thresholds.map((t) => [t.expression, t.passed])).toEqual(thresholds.map((t) => [t, true]));
    // The human side went to stderr: the live line and the summary.
    expect(runIdIn(outcome.stderr)).toBe(printed.metrics.runId);
    expect(outcome.stderr).toMatch(/\| running \| .*confirmed \d+ · pending \d+ .*\| p99 \d+ ms \| ETA /);
    expect(outcome.stderr).toMatch(/verified\s+│ yes/);
  });

  it("exits 99 when a threshold fails on a run that verified, with the summary and the outcome on stdout", async () => {
    const outcome = await loadgen(["run", ...SHORT_RUN, "--threshold", "txFailed==0", "--threshold", "confirmLatency.p99<0"], env(), "npx");
    expect(outcome.code, outcome.stderr).toBe(99);
    started.push(runIdIn(outcome.stdout)!);
    expect(outcome.stdout).toMatch(/status\s+│ completed/);
    expect(outcome.stdout).toMatch(/verified\s+│ yes/);
    expect(outcome.stdout).toMatch(/txFailed==0\s+0\s+0\s+held/);
    expect(outcome.stdout).toMatch(/confirmLatency\.p99<0\s+\d+(\.\d+)?\s+0\s+FAILED/);
    expect(outcome.stdout).toContain("1 of 2 thresholds FAILED");
  });

  it("stops the run on Ctrl-C, waits for its verification and exits 1", async () => {
    const child = spawn(process.execPath, ["cli/loadgen.mjs", "run", "--rate", "5", "--duration", "60", "--accounts", "2"], { env: env(), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => outputs.push(String(chunk)));
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    await waitUntil("a running run", async () => (await api<TestMetrics>("/v1/status")).status === "running" && runIdIn(stdout) !== undefined, 60_000, child);
    child.kill("SIGINT");
    expect(await exited).toBe(1);
    outputs.push(stdout);
    const runId = runIdIn(stdout)!;
    started.push(runId);
    const final = await api<TestMetrics>("/v1/status");
    expect(final).toMatchObject({ runId, status: "stopped", verification: { verified: true } });
    expect(final.elapsedMs).toBeLessThan(30_000);
    expect(stdout).toMatch(/status\s+│ stopped/);
    expect(stdout).toMatch(/verified\s+│ yes/);
  });
});

describe("loadgen status, stop, history, report", () => {
  it("status --json is /v1/status; stop without an active run exits 1 with the API's reason", async () => {
    const [status, stop] = await Promise.all([loadgen(["status", "--json"]), loadgen(["stop"])]);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toEqual(await api<TestMetrics>("/v1/status"));
    expect(stop.code).toBe(1);
    expect(stop.stderr).toContain("POST /v1/stop refused (HTTP 409): no run is active");
  });

  it("history lists the runs, as a table and as JSON", async () => {
    expect(started).toHaveLength(3);
    const [table, json] = await Promise.all([loadgen(["history"]), loadgen(["history", "--json", "--limit", "10"])]);
    expect(table.code).toBe(0);
    for (const id of started) expect(table.stdout).toMatch(new RegExp(`^${id}\\s.*\\s(completed|stopped)\\s.*\\syes$`, "m"));
    const page = JSON.parse(json.stdout) as { runs: Array<{ id: string }>; total: number; limit: number };
    expect(page).toMatchObject({ total: 3, limit: 10 });
    expect(page.runs.map((r) => r.id).sort()).toEqual([...started].sort());
  });

  it("report writes one HTML file with the run, uPlot and the data, that opens offline with its charts drawn", async () => {
    const runId = started[0];
    const dir = mkdtempSync(join(tmpdir(), "loadgen-report-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const out = join(dir, "report.html");
    const outcome = await loadgen(["report", runId, "--out", out]);
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(outcome.stdout.trim()).toBe(out);
    const html = readFileSync(out, "utf8");
    const detail = await api<{ run: { id: string }; timeSeries: unknown[] }>(`/v1/history/${runId}`);
    expect(detail.timeSeries.length).toBeGreaterThan(0);
    expect(html).toContain(`<h1>run ${runId}</h1>`);
    expect(html).toContain(readFileSync("node_modules/uplot/dist/uPlot.iife.min.js", "utf8"));
    const data = /<script id="report-data" type="application\/json">([\s\S]*?)<\/script>/.exec(html)?.[1];
    expect(JSON.parse(data!)).toEqual(detail);
    expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);

    const page = await (await browser).newPage();
    const requests: string[] = [];
    const errors: string[] = [];
    page.on("request", (r) => requests.push(r.url()));
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`file://${out}`);
    await page.waitForSelector("body[data-charts='3']", { timeout: 15_000 });
    expect(await page.locator(".uplot canvas").count()).toBe(3);
    expect(errors).toEqual([]);
    expect(requests).toEqual([`file://${out}`]);
    await page.close();
  });

  it("never printed the API token", () => {
    expect(outputs.length).toBeGreaterThan(10);
    for (const text of outputs) expect(text).not.toContain(TOKEN);
  });
});
