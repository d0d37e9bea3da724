/**
 * The Prometheus text exposition format, version 0.0.4: metric families written as HELP, TYPE and
 * sample lines, with the format's escaping. Knows nothing of runs; prometheus.ts says what to write.
 * https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
 */

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export type Labels = Record<string, string>;

export interface Sample {
  /** Appended to the family's name: `_sum` and `_count` of a summary. */
  suffix?: "_sum" | "_count";
  labels?: Labels;
  value: number;
}

export interface MetricFamily {
  /** A counter's name ends in `_total`, as the 0.0.4 format writes it in TYPE. */
  name: string;
  type: "counter" | "gauge" | "summary";
  help: string;
  samples: Sample[];
}

/** Quantiles, count and sum of one summary series; latencies are given in ms and written in seconds. */
export interface QuantileSummary {
  count: number;
  /** Missing from a summary stored before sums were kept: the `_sum` line is left out, not made up. */
  sum: number | undefined;
  quantiles: Array<[quantile: number, valueMs: number]>;
}

/**
 * Whole microseconds over a million: 40.05 ms is written 0.04005, not the 0.040049999999999995 that
 * dividing by 1000 gives. Latencies are kept to 0.01 ms, so nothing is lost.
 */
const seconds = (ms: number) => Math.round(ms * 1000) / 1_000_000;

/** The samples of one summary series: quantiles in ascending order, then `_sum` and `_count`. */
export function summarySamples(summary: QuantileSummary, labels: Labels = {}): Sample[] {
  // No observation, no quantile: NaN, as Prometheus's own client libraries write it.
  const quantiles = summary.quantiles.map(([q, ms]) => ({ labels: { ...labels, quantile: String(q) }, value: summary.count === 0 ? NaN : seconds(ms) }));
  const sum: Sample[] = Number.isFinite(summary.sum) ? [{ suffix: "_sum", labels, value: seconds(summary.sum!) }] : [];
  return [...quantiles, ...sum, { suffix: "_count", labels, value: summary.count }];
}

/** Families with no sample (no error class seen yet, say) are left out rather than declared empty. */
export function renderFamilies(families: MetricFamily[]): string {
  return families.filter((f) => f.samples.length > 0).map(renderFamily).join("");
}

function renderFamily(family: MetricFamily): string {
  const lines = [`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`];
  for (const sample of family.samples) lines.push(`${family.name}${sample.suffix ?? ""}${renderLabels(sample.labels)} ${formatValue(sample.value)}`);
  return lines.join("\n") + "\n";
}

function renderLabels(labels: Labels | undefined): string {
  const pairs = Object.entries(labels ?? {});
  return pairs.length === 0 ? "" : `{${pairs.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(",")}}`;
}

/** HELP text escapes backslash and line feed; a label value also escapes the double quote. */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

export function escapeLabelValue(value: string): string {
  return escapeHelp(value).replace(/"/g, '\\"');
}

/** Go's ParseFloat reads what JavaScript prints, except infinities, which the format spells +Inf and -Inf. */
export function formatValue(value: number): string {
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}
