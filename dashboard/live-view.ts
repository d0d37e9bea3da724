/** `#/`: the run form, the live run's figures and its charts, all from the feed. */
import { api } from "./api";
import { builderFigures } from "./builder-figures";
import { COLORS, lineChart } from "./charts";
import { h, keyValues, replace } from "./dom";
import * as fmt from "./format";
import type { JsonSchema } from "./form-model";
import type { LiveSeries } from "./live-series";
import { runForm } from "./run-form";
import { ACTIVE_STATUSES, type TestMetrics } from "./types";
import type { View } from "./view";

export interface LiveContext {
  schema: JsonSchema;
  series: LiveSeries;
  latest(): TestMetrics | null;
  /** Calls `listener` with every feed message until the returned function is called. */
  subscribe(listener: (m: TestMetrics) => void): () => void;
}

export function liveView(ctx: LiveContext): View {
  const form = runForm(ctx.schema, {
    async start(request) {
      await api("POST", "/v1/start", request);
    },
    async stop() {
      await api("POST", "/v1/stop");
    },
  });
  const status = h("section", { class: "card status", "data-testid": "run-status" });
  const charts = {
    tps: lineChart("Throughput (tx/s)", [
      { label: "target", color: COLORS.target, dashed: true },
      { label: "sent", color: COLORS.sent },
      { label: "confirmed", color: COLORS.confirmed },
    ], { time: true }),
    latency: lineChart("Latency (ms)", [
      { label: "send p50", color: COLORS.send },
      { label: "send p99", color: COLORS.send, dashed: true },
      { label: "confirm p50", color: COLORS.confirm },
      { label: "confirm p99", color: COLORS.confirm, dashed: true },
    ], { time: true, unit: " ms" }),
    pending: lineChart("Pending transactions", [{ label: "pending", color: COLORS.pending }], { time: true }),
    fill: lineChart("Block fill (%)", [{ label: "fill", color: COLORS.fill }], { time: true, unit: " %" }),
  };
  const draw = () => {
    charts.tps.setData(ctx.series.data("target", "sent", "confirmed"));
    charts.latency.setData(ctx.series.data("sendP50", "sendP99", "confirmP50", "confirmP99"));
    charts.pending.setData(ctx.series.data("pending"));
    charts.fill.setData(ctx.series.data("fill"));
  };
  const update = (m: TestMetrics | null) => {
    form.setActive(m !== null && ACTIVE_STATUSES.includes(m.status));
    replace(status, statusCard(m));
    draw();
  };
  const element = h(
    "div",
    { class: "live" },
    h("section", { class: "card form-card" }, h("h2", {}, "New run"), form.element),
    h("div", { class: "live-main" }, status, h("div", { class: "charts" }, Object.values(charts).map((c) => c.element))),
  );
  update(ctx.latest());
  const unsubscribe = ctx.subscribe(update);
  return { element, dispose: unsubscribe };
}

function statusCard(m: TestMetrics | null): Array<HTMLElement | null> {
  if (m === null) return [h("p", { class: "muted" }, "Waiting for the live feed…")];
  if (m.runId === null) return [h("h2", {}, "No run yet"), h("p", { class: "muted" }, "Start one with the form.")];
  const breaker = m.circuitBreaker;
  const errors = Object.entries(m.errors);
  return [
    h(
      "div",
      { class: "status-head" },
      h("h2", {}, h("a", { href: `#/run/${m.runId}` }, m.name ?? fmt.shortId(m.runId))),
      h("span", { class: `badge status-${m.status}`, "data-testid": "status-badge" }, m.status),
      m.initPhase ? h("span", { class: "muted" }, m.initPhase.replace(/_/g, " ")) : null,
      h("span", { class: `badge breaker-${breaker.state}`, title: breaker.lastTripAt ? `last trip ${fmt.dateTime(breaker.lastTripAt)}` : "never tripped" }, `breaker ${breaker.state}${breaker.trips > 0 ? ` · ${breaker.trips} trips` : ""}`),
    ),
    h(
      "div",
      { class: "figures" },
      figure("elapsed", fmt.duration(m.elapsedMs)),
      figure("target", `${fmt.num(m.targetTps, 1)} tx/s`),
      figure("current", `${fmt.num(m.currentTps, 1)} tx/s`),
      figure("average", `${fmt.num(m.averageTps, 1)} tx/s`),
      figure("sent", fmt.num(m.txSent)),
      figure("confirmed", fmt.num(m.txConfirmed)),
      figure("failed", fmt.num(m.txFailed)),
      figure("discarded", fmt.num(m.txDiscarded)),
      figure("pending", fmt.num(m.txPending)),
      figure("confirm p99", fmt.ms(m.confirmLatency.p99)),
      figure("blocks", fmt.num(m.blockCount)),
      figure("accounts", fmt.num(m.accountsActive)),
    ),
    m.builder ? keyValues(builderFigures(m)) : null,
    errors.length > 0 ? keyValues(errors.map(([k, v]) => [`errors: ${k}`, fmt.num(v)])) : null,
    m.error ? h("p", { class: "form-error" }, m.error) : null,
  ];
}

function figure(label: string, value: string): HTMLElement {
  return h("div", { class: "figure" }, h("span", { class: "label" }, label), h("span", { class: "value" }, value));
}
