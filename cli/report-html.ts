/**
 * A past run as one self-contained HTML file: the figures as tables (readable without scripts),
 * the per-second series as uPlot charts, uPlot and the data inlined. It loads nothing from anywhere.
 */
import type { TestRunRow, TimeSeriesRow } from "../src/db/schema";
import type { LatencySummary } from "../src/metrics/latency-sketch";
import type { UplotAssets } from "./uplot-assets";

/** `GET /v1/history/:id`: the run row (without its lock column) and its per-second series. */
export interface RunDetail {
  run: Omit<TestRunRow, "active">;
  timeSeries: TimeSeriesRow[];
}

export const escapeHtml = (value: unknown) =>
  String(value).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/** JSON inside a <script> element: `<` escaped, so no `</script>` or `<!--` in the data can end it early. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028|\u2029/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);

const cell = (value: unknown) => (value === null || value === undefined || value === "" ? "–" : escapeHtml(value));
const time = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC"));

function table(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const head = `<tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr>`;
  return `<table>${head}${rows.map((r) => `<tr>${r.map((v) => `<td>${cell(v)}</td>`).join("")}</tr>`).join("")}</table>`;
}

const pairs = (rows: ReadonlyArray<[string, unknown]>) => `<table class="pairs">${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${cell(v)}</td></tr>`).join("")}</table>`;
const json = (value: unknown) => `<pre>${escapeHtml(JSON.stringify(value, null, 2))}</pre>`;

const LATENCY_COLUMNS = ["count", "min", "p50", "p75", "p90", "p95", "p99", "max", "avg"] as const;

function latencyTable(run: RunDetail["run"]): string {
  const row = (label: string, l: unknown) => [label, ...LATENCY_COLUMNS.map((k) => (l as LatencySummary | null)?.[k])];
  return table(["latency (ms)", ...LATENCY_COLUMNS], [row("send", run.sendLatency), row("confirm", run.confirmLatency)]);
}

function verdict(run: RunDetail["run"]): string {
  const v = run.verification as { verified?: boolean; problems?: string[] } | null;
  if (!v) return `<p class="verdict unknown">not verified${run.errorMessage ? `: ${escapeHtml(run.errorMessage)}` : ""}</p>`;
  const problems = v.problems?.length ? `: ${escapeHtml(v.problems.join("; "))}` : "";
  return `<p class="verdict ${v.verified ? "ok" : "bad"}">${v.verified ? "verified on chain" : `NOT verified${problems}`}</p>`;
}

/** The charts, drawn in the page from the inlined series: transactions per second, pending, gas. */
const CHARTS_SCRIPT = `
const { run, timeSeries } = JSON.parse(document.getElementById("report-data").textContent);
const x = timeSeries.map((r) => r.second);
const col = (k) => timeSeries.map((r) => Number(r[k]));
const charts = [
  ["tps", "Transactions per second", [["target", "targetTps", "#888"], ["sent", "txSent", "#1f77b4"], ["confirmed", "txConfirmed", "#2ca02c"], ["failed", "txFailed", "#d62728"]]],
  ["pending", "Pending transactions", [["pending", "pending", "#ff7f0e"]]],
  ["gas", "Gas", [["MGas/s", "mgasPerSec", "#9467bd"], ["fill %", "fillRate", "#8c564b"]]],
];
for (const [id, title, series] of charts) {
  const el = document.getElementById("chart-" + id);
  const opts = {
    title, width: Math.max(400, el.clientWidth || 900), height: 260,
    scales: { x: { time: false } },
    axes: [{ label: "second of the run" }, {}],
    series: [{ label: "second" }, ...series.map(([label, , stroke]) => ({ label, stroke, width: 2 }))],
  };
  new uPlot(opts, [x, ...series.map(([, key]) => col(key))], el);
}
document.body.dataset.charts = String(charts.length);
`;

export function reportHtml(detail: RunDetail, assets: UplotAssets): string {
  const { run, timeSeries } = detail;
  for (const [what, text] of [["uPlot's script", assets.js], ["uPlot's stylesheet", assets.css]]) {
    if (/<\/(script|style)/i.test(text)) throw new Error(`${what} contains a closing tag and cannot be inlined`);
  }
  const title = run.customName ?? run.name ?? `run ${run.id}`;
  const figures: Array<[string, unknown]> = [
    ["run id", run.id],
    ["status", run.status],
    ["pattern / type", `${run.pattern} / ${run.transactionType}`],
    ["created", time(run.createdAt)],
    ["started / ended", `${time(run.startedAt) ?? "–"} / ${time(run.endedAt) ?? "–"}`],
    ["duration", run.durationMs === null ? null : `${(run.durationMs / 1000).toFixed(1)} s`],
    ["accounts", run.numAccounts],
    ["target / average / peak tps", `${run.targetTps ?? "–"} / ${run.averageTps ?? "–"} / ${run.peakTps ?? "–"}`],
    ["sent / confirmed", `${run.txSent} / ${run.txConfirmed}`],
    ["failed / discarded", `${run.txFailed} / ${run.txDiscarded}`],
    ["blocks", `${run.blockCount ?? "–"} (${run.startBlock ?? "?"}–${run.endBlock ?? "?"})`],
    ["gas used", run.totalGasUsed],
  ];
  const byType = Object.entries((run.byType ?? {}) as Record<string, Record<string, unknown>>);
  const errors = Object.entries((run.errors ?? {}) as Record<string, number>);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>loadgen report: ${escapeHtml(title)}</title>
<style>${assets.css}</style>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em auto; max-width: 1000px; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25em 0.75em; text-align: left; }
td { font-variant-numeric: tabular-nums; }
.verdict { font-weight: bold; padding: 0.5em; }
.ok { color: #176117; } .bad { color: #a11; } .unknown { color: #866; }
pre { background: #f6f6f6; padding: 0.75em; overflow: auto; }
.chart { margin-bottom: 1.5em; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${verdict(run)}
<h2>Figures</h2>
${pairs(figures)}
${latencyTable(run)}
<h2>Over time</h2>
${timeSeries.length === 0 ? "<p>No per-second series was recorded for this run.</p>" : ""}
<div class="chart" id="chart-tps"></div>
<div class="chart" id="chart-pending"></div>
<div class="chart" id="chart-gas"></div>
${byType.length ? `<h2>Per transaction type</h2>${table(["type", "sent", "confirmed", "failed", "reverted", "discarded", "avg gas"], byType.map(([t, f]) => [t, f.sent, f.confirmed, f.failed, f.reverted, f.discarded, f.avgGasUsed]))}` : ""}
${errors.length ? `<h2>Errors</h2>${table(["class", "count"], errors)}` : ""}
${run.errorMessage ? `<h2>Error</h2><p>${escapeHtml(run.errorMessage)}</p>` : ""}
<h2>Verification</h2>
${json(run.verification)}
<h2>Configuration</h2>
${json(run.config)}
<h2>Environment</h2>
${json(run.environment)}
<script id="report-data" type="application/json">${scriptJson({ run, timeSeries })}</script>
<script>${assets.js}</script>
<script>${CHARTS_SCRIPT}</script>
</body>
</html>
`;
}
