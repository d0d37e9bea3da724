/** `#/run/:id`: one run, whole: its time series, per-type and per-region tables, the verification, export. */
import { get } from "./api";
import { COLORS, lineChart } from "./charts";
import { builderFigures } from "./builder-figures";
import { download, h, keyValues, replace, table } from "./dom";
import { toCsv } from "./export";
import * as fmt from "./format";
import { runColumns } from "./run-series";
import type { LatencySummary, RunDetail, TestMetrics, Verification } from "./types";
import type { View } from "./view";

export function runView(id: string): View {
  const element = h("div", { class: "run-page" }, h("p", { class: "muted" }, "Loading…"));
  void (async () => {
    try {
      const [detail, metrics] = await Promise.all([get<RunDetail>(`/v1/history/${id}`), get<TestMetrics>(`/v1/history/${id}/status`)]);
      replace(element, ...render(detail, metrics));
    } catch (err) {
      replace(element, h("p", { class: "form-error" }, err instanceof Error ? err.message : String(err)));
    }
  })();
  return { element };
}

function render({ run, timeSeries }: RunDetail, m: TestMetrics): HTMLElement[] {
  const label = fmt.runLabel(run);
  const fileBase = `loadgen-${fmt.shortId(run.id)}`;
  const exportJson = () => download(`${fileBase}.json`, JSON.stringify({ run, metrics: m, timeSeries }, null, 2), "application/json");
  const exportCsv = () => download(`${fileBase}-seconds.csv`, toCsv(timeSeries), "text/csv");
  const columns = runColumns(timeSeries);
  const tps = lineChart("Throughput per second (tx/s)", [
    { label: "target", color: COLORS.target, dashed: true },
    { label: "sent", color: COLORS.sent },
    { label: "confirmed", color: COLORS.confirmed },
  ], { time: false });
  tps.setData([columns.second, columns.targetTps, columns.txSent, columns.txConfirmed]);
  const pending = lineChart("Pending transactions", [{ label: "pending", color: COLORS.pending }], { time: false });
  pending.setData([columns.second, columns.pending]);
  const fill = lineChart("Block fill (%)", [{ label: "fill", color: COLORS.fill }], { time: false, unit: " %" });
  fill.setData([columns.second, columns.fillRate]);

  return [
    h(
      "section",
      { class: "card" },
      h(
        "div",
        { class: "status-head" },
        h("h2", {}, label),
        h("span", { class: `badge status-${run.status}` }, run.status),
        verificationBadge(run.verification),
        h("span", { class: "spacer" }),
        h("button", { type: "button", onclick: exportCsv, "data-action": "export-csv" }, "Export CSV"),
        h("button", { type: "button", onclick: exportJson, "data-action": "export-json" }, "Export JSON"),
      ),
      run.errorMessage ? h("p", { class: "form-error" }, run.errorMessage) : null,
      keyValues([
        ["Run id", h("code", {}, run.id)],
        ["Pattern / type", `${run.pattern} · ${run.transactionType}`],
        ["Created", fmt.dateTime(run.createdAt)],
        ["Duration", fmt.duration(run.durationMs)],
        ["Accounts", fmt.num(run.numAccounts)],
        ["Target / average / peak", `${fmt.num(run.targetTps, 1)} / ${fmt.num(run.averageTps, 1)} / ${fmt.num(run.peakTps, 1)} tx/s`],
        ["Sent / confirmed / failed / discarded", `${fmt.num(run.txSent)} / ${fmt.num(run.txConfirmed)} / ${fmt.num(run.txFailed)} / ${fmt.num(run.txDiscarded)}`],
        ["Blocks (from–to)", `${fmt.num(run.blockCount)} (${run.startBlock ?? "–"}–${run.endBlock ?? "–"})`],
        ["Gas used", run.totalGasUsed ?? "–"],
      ]),
    ),
    h("section", { class: "charts" }, tps.element, pending.element, fill.element),
    h(
      "section",
      { class: "card tables" },
      h("h3", {}, "Latency"),
      latencyTable([["send", run.sendLatency ?? m.sendLatency], ...(m.builder ? [["preconf", m.preconfLatency] as [string, LatencySummary]] : []), ["confirm", run.confirmLatency ?? m.confirmLatency]]),
      ...(m.builder ? [h("h3", {}, "Builder feeds"), keyValues(builderFigures(m))] : []),
      h("h3", {}, "Per transaction type"),
      table(
        ["Type", "Sent", "Confirmed", "Failed", "Reverted", "Discarded", "Avg gas"],
        Object.entries(m.byType).map(([type, f]) => [type, f.sent, f.confirmed, f.failed, f.reverted, f.discarded, f.avgGasUsed ?? "–"]),
        { "data-testid": "by-type" },
      ),
      h("h3", {}, "Per region"),
      table(
        ["Region", "Weight", "Accounts", "Sent", "Confirmed", "Failed", "Discarded", "Send p50", "Send p99", "Confirm p50", "Confirm p99"],
        Object.entries(m.regions).map(([region, r]) => [region, r.weight, r.accounts, r.txSent, r.txConfirmed, r.txFailed, r.txDiscarded, fmt.ms(r.sendLatency.p50), fmt.ms(r.sendLatency.p99), fmt.ms(r.confirmLatency.p50), fmt.ms(r.confirmLatency.p99)]),
        { "data-testid": "by-region" },
      ),
      Object.keys(m.errors).length > 0 ? [h("h3", {}, "Errors"), table(["Class", "Count"], Object.entries(m.errors))] : null,
      h("h3", {}, "Verification"),
      verificationTable(run.verification),
      h("h3", {}, "Request"),
      h("pre", { class: "json" }, JSON.stringify(run.config, null, 2)),
    ),
  ];
}

function verificationBadge(v: Verification | null): HTMLElement {
  if (!v) return h("span", { class: "badge" }, "not verified");
  return h("span", { class: `badge ${v.verified ? "ok" : "bad"}`, "data-testid": "verified" }, v.verified ? "verified on chain" : "verification failed");
}

function verificationTable(v: Verification | null): HTMLElement {
  if (!v) return h("p", { class: "muted" }, "No verification (the run did not reach it).");
  return h(
    "div",
    {},
    keyValues([
      ["Verified", v.verified ? "yes" : "no"],
      ["Blocks", `${v.fromBlock}–${v.toBlock}`],
      ["Included on chain", fmt.num(v.includedOnChain)],
      ["Confirmed (load + housekeeping)", `${fmt.num(v.txConfirmed)} + ${fmt.num(v.housekeepingConfirmed)}`],
      ["Accounts checked / with gaps", `${fmt.num(v.accountsChecked)} / ${fmt.num(v.accountsWithGaps)}`],
      ["Pool leftovers", `${fmt.num(v.poolLeftovers)} (${v.poolCheck})`],
    ]),
    v.problems.length > 0 ? h("ul", { class: "problems" }, v.problems.map((p) => h("li", {}, p))) : null,
  );
}

export function latencyTable(rows: Array<[string, LatencySummary | null]>): HTMLElement {
  return table(
    ["", "Count", "Min", "Avg", "p50", "p90", "p95", "p99", "Max"],
    rows.map(([name, l]) => (l ? [name, l.count, fmt.ms(l.min), fmt.ms(l.avg), fmt.ms(l.p50), fmt.ms(l.p90), fmt.ms(l.p95), fmt.ms(l.p99), fmt.ms(l.max)] : [name, "–"])),
  );
}
