/**
 * A mergeable latency summary with bounded relative error (a DDSketch-style log histogram).
 *
 * Each account object records its own latencies; the coordinator merges the sketches exactly
 * (bucket counts add up), so a percentile over the whole run is within RELATIVE_ACCURACY of the
 * true value however many objects took part. Count, min, max and the mean are exact.
 */

export const RELATIVE_ACCURACY = 0.01;
const GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY);
const LOG_GAMMA = Math.log(GAMMA);

/** The wire and storage form: plain JSON, safe to pass over Durable Object RPC. */
export interface SketchData {
  count: number;
  sum: number;
  min: number;
  max: number;
  /** Values below 1 ms (latencies are in ms; sub-millisecond precision carries no meaning here). */
  zero: number;
  buckets: Record<string, number>;
}

export interface LatencySummary {
  count: number;
  /** Every value added up (ms): with `count`, what a Prometheus summary needs as `_sum`. */
  sum: number;
  min: number;
  max: number;
  avg: number;
  p50: number;
  p75: number;
  p90: number;
  p95: number;
  p99: number;
}

export function emptySketch(): SketchData {
  return { count: 0, sum: 0, min: 0, max: 0, zero: 0, buckets: {} };
}

export function recordLatency(sketch: SketchData, valueMs: number, times = 1): void {
  if (!(times > 0) || !Number.isFinite(valueMs)) return;
  const value = Math.max(0, valueMs);
  sketch.min = sketch.count === 0 ? value : Math.min(sketch.min, value);
  sketch.max = sketch.count === 0 ? value : Math.max(sketch.max, value);
  sketch.count += times;
  sketch.sum += value * times;
  if (value < 1) {
    sketch.zero += times;
    return;
  }
  const key = String(Math.ceil(Math.log(value) / LOG_GAMMA));
  sketch.buckets[key] = (sketch.buckets[key] ?? 0) + times;
}

/** Adds `other` into `into`. Merging is exact: the result equals one sketch fed every value. */
export function mergeSketch(into: SketchData, other: SketchData): void {
  if (other.count === 0) return;
  into.min = into.count === 0 ? other.min : Math.min(into.min, other.min);
  into.max = into.count === 0 ? other.max : Math.max(into.max, other.max);
  into.count += other.count;
  into.sum += other.sum;
  into.zero += other.zero;
  for (const [key, n] of Object.entries(other.buckets)) into.buckets[key] = (into.buckets[key] ?? 0) + n;
}

export function quantile(sketch: SketchData, q: number): number {
  if (sketch.count === 0) return 0;
  const rank = Math.max(0, Math.min(sketch.count - 1, Math.floor(q * (sketch.count - 1))));
  if (rank < sketch.zero) return sketch.min;
  let seen = sketch.zero;
  const keys = Object.keys(sketch.buckets).map(Number).sort((a, b) => a - b);
  for (const key of keys) {
    seen += sketch.buckets[String(key)];
    if (seen > rank) {
      const estimate = (2 * Math.pow(GAMMA, key)) / (GAMMA + 1);
      return Math.min(sketch.max, Math.max(sketch.min, estimate));
    }
  }
  return sketch.max;
}

export function summarize(sketch: SketchData): LatencySummary {
  const round = (v: number) => Math.round(v * 100) / 100;
  return {
    count: sketch.count,
    sum: round(sketch.sum),
    min: round(sketch.min),
    max: round(sketch.max),
    avg: sketch.count === 0 ? 0 : round(sketch.sum / sketch.count),
    p50: round(quantile(sketch, 0.5)),
    p75: round(quantile(sketch, 0.75)),
    p90: round(quantile(sketch, 0.9)),
    p95: round(quantile(sketch, 0.95)),
    p99: round(quantile(sketch, 0.99)),
  };
}
