/**
 * The dashboard (PRODUCT.md §14): one page served by the worker as a static asset, its views in the
 * URL's hash. It asks for the API token first if the worker has one, then keeps one WebSocket to
 * the live feed open for every view.
 */
import "uplot/dist/uPlot.min.css";
import "./style.css";
import { ensureToken } from "./api";
import { openApiLink } from "./api-doc-link";
import { compareView } from "./compare-view";
import { h, replace } from "./dom";
import type { JsonSchema } from "./form-model";
import * as fmt from "./format";
import { historyView } from "./history-view";
import { connectLive, type ConnectionState } from "./live-connection";
import { LiveSeries } from "./live-series";
import { liveView } from "./live-view";
import { parseRoute } from "./routes";
import { runView } from "./run-view";
import type { TestMetrics } from "./types";
import type { View } from "./view";

/** JSON Schemas of the API's requests, generated from its zod schemas when the page is built (scripts/build-dashboard.ts). */
declare const API_SCHEMAS: { startTestRequest: JsonSchema; historyQuery: JsonSchema };

const series = new LiveSeries();
let latest: TestMetrics | null = null;
const listeners = new Set<(m: TestMetrics) => void>();
let view: View | undefined;

const indicator = document.getElementById("live-indicator")!;
const outlet = document.getElementById("view")!;

function showIndicator(state: ConnectionState): void {
  const run = latest?.runId ? `${latest.name ?? fmt.shortId(latest.runId)}: ${latest.status}` : "no run";
  replace(indicator, h("span", { class: `dot ${state}` }), state === "open" ? run : state === "connecting" ? "connecting…" : "feed lost, reconnecting…");
}

let connection: ConnectionState = "connecting";

function onMetrics(m: TestMetrics): void {
  latest = m;
  series.add(m, Date.now());
  showIndicator(connection);
  for (const listener of listeners) listener(m);
}

function render(): void {
  view?.dispose?.();
  const route = parseRoute(location.hash);
  for (const link of document.querySelectorAll<HTMLAnchorElement>("nav a[data-route]")) {
    link.classList.toggle("active", link.dataset.route === route.name || (link.dataset.route === "history" && route.name !== "live"));
  }
  if (route.name === "live") {
    view = liveView({
      schema: API_SCHEMAS.startTestRequest,
      series,
      latest: () => latest,
      subscribe(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    });
  } else if (route.name === "history") {
    const enumOf = (field: string) => API_SCHEMAS.historyQuery.properties?.[field]?.enum ?? [];
    view = historyView({ statuses: enumOf("status"), patterns: enumOf("pattern"), navigate: (hash) => (location.hash = hash) });
  } else if (route.name === "run") view = runView(route.id);
  else if (route.name === "compare") view = compareView(route.a, route.b);
  else view = { element: h("section", { class: "card" }, h("h2", {}, "Not found"), h("p", {}, "No view at ", h("code", {}, route.hash), ". ", h("a", { href: "#/" }, "Back to the live view"))) };
  replace(outlet, view.element);
}

async function boot(): Promise<void> {
  openApiLink(document.querySelector<HTMLAnchorElement>("nav a[data-api-doc]")!);
  await ensureToken();
  connectLive(onMetrics, (state) => {
    connection = state;
    showIndicator(state);
  });
  window.addEventListener("hashchange", render);
  render();
}

void boot();
