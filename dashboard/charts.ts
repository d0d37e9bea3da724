/**
 * Line charts with uPlot (bundled from npm, no CDN). Each chart keeps the number of points it shows
 * in its element's `data-points`, which the browser test reads to see a chart move.
 */
import uPlot from "uplot";
import { h } from "./dom";

export interface SeriesSpec {
  label: string;
  color: string;
  dashed?: boolean;
}

export interface Chart {
  element: HTMLElement;
  /** Columns: x first, then one per series, all of the same length (null: no value). */
  setData(columns: Array<Array<number | null>>): void;
}

const HEIGHT = 200;

/** `time`: x is a Unix time in seconds; otherwise seconds since the run started. */
export function lineChart(title: string, series: SeriesSpec[], options: { time: boolean; unit?: string }): Chart {
  const element = h("figure", { class: "chart", "data-points": 0, "data-chart": title }, h("figcaption", {}, title));
  const plotArea = h("div", { class: "plot" });
  element.append(plotArea);
  const format = (value: number | null) => (value === null ? "–" : `${Number(value.toFixed(2)).toLocaleString("en-US")}${options.unit ?? ""}`);
  const opts: uPlot.Options = {
    width: 400,
    height: HEIGHT,
    scales: { x: { time: options.time } },
    legend: { live: true },
    cursor: { drag: { x: false, y: false } },
    axes: [
      { stroke: "#5b6472", grid: { stroke: "#eef0f3" }, ...(options.time ? {} : { label: "seconds since start", values: (_u, ticks) => ticks.map((t) => `${t}`) }) },
      { stroke: "#5b6472", grid: { stroke: "#eef0f3" }, size: 60 },
    ],
    series: [
      options.time ? { label: "time", value: "{HH}:{mm}:{ss}" } : { label: "second", value: (_u, v) => (v === null ? "–" : `${v}`) },
      ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, dash: s.dashed ? [6, 4] : undefined, spanGaps: true, value: (_u: uPlot, v: number | null) => format(v) })),
    ],
  };
  const empty: uPlot.AlignedData = [[], ...series.map(() => [])];
  const plot = new uPlot(opts, empty, plotArea);
  // Follow the width the layout gives the chart.
  new ResizeObserver(() => {
    const width = Math.max(200, Math.floor(plotArea.clientWidth));
    if (width !== plot.width) plot.setSize({ width, height: HEIGHT });
  }).observe(plotArea);
  return {
    element,
    setData(columns) {
      plot.setData(columns as uPlot.AlignedData);
      element.dataset.points = String(columns[0].length);
    },
  };
}

export const COLORS = {
  target: "#9aa3af",
  sent: "#2563eb",
  confirmed: "#16a34a",
  send: "#2563eb",
  confirm: "#16a34a",
  pending: "#d97706",
  fill: "#7c3aed",
  other: "#db2777",
};
