/** `#/compare/:a/:b`: two runs side by side, their figures with the difference, their seconds overlaid. */
import { get } from "./api";
import { COLORS, lineChart } from "./charts";
import { h, replace, table } from "./dom";
import * as fmt from "./format";
import { alignRuns } from "./run-series";
import type { HistoryRun, RunDetail, TimeSeriesRow } from "./types";
import type { View } from "./view";

/** The figures compared, and how each reads. */
const FIGURES: Array<[string, (r: HistoryRun) => number | null, (v: number | null) => string]> = [
  ["Target tx/s", (r) => r.targetTps, (v) => fmt.num(v, 1)],
  ["Average tx/s", (r) => r.averageTps, (v) => fmt.num(v, 1)],
  ["Peak tx/s", (r) => r.peakTps, (v) => fmt.num(v, 1)],
  ["Sent", (r) => r.txSent, (v) => fmt.num(v)],
  ["Confirmed", (r) => r.txConfirmed, (v) => fmt.num(v)],
  ["Failed", (r) => r.txFailed, (v) => fmt.num(v)],
  ["Discarded", (r) => r.txDiscarded, (v) => fmt.num(v)],
  ["Send p50", (r) => r.sendLatency?.p50 ?? null, fmt.ms],
  ["Send p99", (r) => r.sendLatency?.p99 ?? null, fmt.ms],
  ["Confirm p50", (r) => r.confirmLatency?.p50 ?? null, fmt.ms],
  ["Confirm p99", (r) => r.confirmLatency?.p99 ?? null, fmt.ms],
  ["Blocks", (r) => r.blockCount, (v) => fmt.num(v)],
  ["Accounts", (r) => r.numAccounts, (v) => fmt.num(v)],
  ["Duration", (r) => r.durationMs, fmt.duration],
];

export function compareView(a: string, b: string): View {
  const element = h("div", { class: "compare-page" }, h("p", { class: "muted" }, "Loading…"));
  void (async () => {
    try {
      const [left, right] = await Promise.all([get<RunDetail>(`/v1/history/${a}`), get<RunDetail>(`/v1/history/${b}`)]);
      replace(element, ...render(left, right));
    } catch (err) {
      replace(element, h("p", { class: "form-error" }, err instanceof Error ? err.message : String(err)));
    }
  })();
  return { element };
}

function render(left: RunDetail, right: RunDetail): HTMLElement[] {
  const [nameA, nameB] = [left.run, right.run].map((r) => fmt.runLabel(r));
  const rows = FIGURES.map(([label, pick, show]) => {
    const [x, y] = [pick(left.run), pick(right.run)];
    return [label, show(x), show(y), fmt.change(x, y)];
  });
  const runLink = (r: HistoryRun, name: string) => h("a", { href: `#/run/${r.id}` }, name);
  const overlay = (title: string, pick: (r: TimeSeriesRow) => number) => {
    const chart = lineChart(title, [
      { label: nameA, color: COLORS.sent },
      { label: nameB, color: COLORS.other },
    ], { time: false });
    chart.setData(alignRuns(left.timeSeries, right.timeSeries, pick));
    return chart.element;
  };
  return [
    h(
      "section",
      { class: "card" },
      h("h2", {}, "Compare ", runLink(left.run, nameA), " with ", runLink(right.run, nameB)),
      table(["", nameA, nameB, "Difference"], [
        ["Status", left.run.status, right.run.status, ""],
        ["Pattern · type", `${left.run.pattern} · ${left.run.transactionType}`, `${right.run.pattern} · ${right.run.transactionType}`, ""],
        ["Verified", left.run.verification?.verified ? "yes" : "no", right.run.verification?.verified ? "yes" : "no", ""],
        ...rows,
      ], { class: "compare", "data-testid": "compare-table" }),
    ),
    h("section", { class: "charts" }, overlay("Confirmed per second (tx/s)", (r) => r.txConfirmed), overlay("Sent per second (tx/s)", (r) => r.txSent), overlay("Pending transactions", (r) => r.pending)),
  ];
}
