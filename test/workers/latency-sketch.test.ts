/**
 * The latency sketch's promises: percentiles within RELATIVE_ACCURACY of the exact value, exact
 * count/min/max/mean, and merging that is exact (the coordinator merges one sketch per account
 * object, so a run's percentiles must not depend on how the values were split).
 */
import { describe, expect, it } from "vitest";
import {
  RELATIVE_ACCURACY,
  emptySketch,
  mergeSketch,
  quantile,
  recordLatency,
  summarize,
  type SketchData,
} from "../../src/metrics/latency-sketch";
import { mulberry32 } from "../support/seeded-random";


/** Log-normal-ish latencies between 1 and 10,000 ms: most near ~100 ms, long tails both ways. */
function latencies(n: number, seed: number, { integers = false } = {}): number[] {
  const random = mulberry32(seed);
  return Array.from({ length: n }, () => {
    // Sum of three uniforms ≈ a bell curve over the exponent 0..4 (decades of 1..10^4 ms).
    const exponent = ((random() + random() + random()) / 3) * 4;
    const value = Math.min(10_000, Math.max(1, 10 ** exponent));
    return integers ? Math.round(value) : value;
  });
}

/** The exact quantile under the sketch's own rank rule. */
function exactQuantile(sorted: number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))];
}

function sketchOf(values: number[]): SketchData {
  const sketch = emptySketch();
  for (const v of values) recordLatency(sketch, v);
  return sketch;
}

const round2 = (v: number) => Math.round(v * 100) / 100;
const QUANTILES = [0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1];

describe("latency sketch: accuracy", () => {
  it("every quantile is within RELATIVE_ACCURACY of the exact one", () => {
    const values = latencies(10_000, 0xc0ffee);
    const sorted = [...values].sort((a, b) => a - b);
    // The data really spans the range, or the test would only exercise a few buckets.
    expect(sorted[0]).toBeLessThan(3);
    expect(sorted[sorted.length - 1]).toBeGreaterThan(3_000);

    const sketch = sketchOf(values);
    for (const q of QUANTILES) {
      const exact = exactQuantile(sorted, q);
      const estimate = quantile(sketch, q);
      const relativeError = Math.abs(estimate - exact) / exact;
      expect(relativeError, `q=${q}: estimate ${estimate}, exact ${exact}`).toBeLessThanOrEqual(RELATIVE_ACCURACY + 1e-9);
    }
  });

  it("count, sum, min, max and mean are exact, and the summary's percentiles match quantile()", () => {
    const values = latencies(10_000, 7);
    const sketch = sketchOf(values);
    const sum = values.reduce((a, b) => a + b, 0);
    const summary = summarize(sketch);
    expect(sketch.count).toBe(10_000);
    expect(sketch.sum).toBe(sum);
    expect(summary).toMatchObject({
      count: 10_000,
      sum: round2(sum),
      min: round2(Math.min(...values)),
      max: round2(Math.max(...values)),
      avg: round2(sum / values.length),
    });
    const sorted = [...values].sort((a, b) => a - b);
    for (const [key, q] of [["p50", 0.5], ["p75", 0.75], ["p90", 0.9], ["p95", 0.95], ["p99", 0.99]] as const) {
      const exact = exactQuantile(sorted, q);
      // Rounding to 0.01 ms may add at most 0.005 ms on top of the sketch's relative error.
      expect(Math.abs(summary[key] - exact), key).toBeLessThanOrEqual(exact * (RELATIVE_ACCURACY + 1e-9) + 0.005);
    }
  });
});

describe("latency sketch: merging", () => {
  it("merging 8 random partitions gives exactly the sketch fed everything", () => {
    // Whole milliseconds, as Date.now() differences are: their sums are exact in floating point,
    // so even `sum` must match bit for bit whatever the order of addition.
    const values = latencies(10_000, 0xbeef, { integers: true });
    const random = mulberry32(99);
    const parts: number[][] = Array.from({ length: 8 }, () => []);
    for (const v of values) parts[Math.floor(random() * 8)].push(v);
    expect(parts.every((p) => p.length > 0)).toBe(true);

    const merged = emptySketch();
    for (const part of parts) mergeSketch(merged, sketchOf(part));
    const whole = sketchOf(values);
    expect(merged).toEqual(whole);
    expect(summarize(merged)).toEqual(summarize(whole));
  });

  it("merging fractional latencies keeps buckets, count, min, max and percentiles exact", () => {
    const values = latencies(5_000, 0xfeed);
    const parts = [values.slice(0, 1234), values.slice(1234, 4000), values.slice(4000)];
    const merged = emptySketch();
    for (const part of parts) mergeSketch(merged, sketchOf(part));
    const whole = sketchOf(values);
    const { sum: mergedSum, ...mergedRest } = merged;
    const { sum: wholeSum, ...wholeRest } = whole;
    expect(mergedRest).toEqual(wholeRest);
    // Floating-point addition is not associative: only the last bits of the sum may differ.
    expect(mergedSum).toBeCloseTo(wholeSum, 6);
    for (const q of QUANTILES) expect(quantile(merged, q)).toBe(quantile(whole, q));
  });

  it("merging into an empty sketch takes the other's min (not the empty sketch's 0)", () => {
    const other = sketchOf([250, 40, 900]);
    const into = emptySketch();
    mergeSketch(into, other);
    expect(into).toEqual(other);
    expect(into.min).toBe(40);
  });

  it("merging an empty sketch changes nothing", () => {
    const sketch = sketchOf([5, 50, 500]);
    const copy = structuredClone(sketch);
    mergeSketch(sketch, emptySketch());
    expect(sketch).toEqual(copy);
  });
});

describe("latency sketch: recording", () => {
  it("puts values below 1 ms (and negative ones, clamped to 0) in `zero`, not in a bucket", () => {
    const sketch = sketchOf([0, 0.4, 0.999, -3]);
    expect(sketch).toEqual({ count: 4, sum: 0 + 0.4 + 0.999 + 0, min: 0, max: 0.999, zero: 4, buckets: {} });
    recordLatency(sketch, 1);
    expect(sketch.zero).toBe(4);
    expect(Object.values(sketch.buckets)).toEqual([1]);
  });

  it("a quantile that falls among the sub-millisecond values reports the minimum", () => {
    const sketch = sketchOf([0.3, 0.5, 0.7, 400]);
    expect(quantile(sketch, 0.5)).toBe(0.3);
    // Above the zero bucket the usual bucket estimate applies again.
    expect(Math.abs(quantile(sketch, 1) - 400)).toBeLessThanOrEqual(400 * RELATIVE_ACCURACY);
  });

  it("ignores non-finite values and non-positive repeat counts", () => {
    const sketch = sketchOf([10, 20]);
    const before = structuredClone(sketch);
    recordLatency(sketch, Number.NaN);
    recordLatency(sketch, Number.POSITIVE_INFINITY);
    recordLatency(sketch, 30, 0);
    recordLatency(sketch, 30, -2);
    expect(sketch).toEqual(before);
  });

  it("recordLatency(value, N) equals N single records", () => {
    // Values exact in binary, so N additions and one multiplication give the same sum.
    const values: Array<[number, number]> = [[0.25, 3], [7, 5], [123.5, 17], [9_999, 2]];
    const batched = emptySketch();
    const single = emptySketch();
    for (const [value, times] of values) {
      recordLatency(batched, value, times);
      for (let i = 0; i < times; i++) recordLatency(single, value);
    }
    expect(batched).toEqual(single);
    expect(batched.count).toBe(27);
  });
});

describe("latency sketch: storage form", () => {
  it("survives a JSON round trip and structuredClone unchanged, and keeps working afterwards", () => {
    const values = latencies(2_000, 3);
    const sketch = sketchOf(values);
    const viaJson = JSON.parse(JSON.stringify(sketch)) as SketchData;
    const viaClone = structuredClone(sketch);
    expect(viaJson).toEqual(sketch);
    expect(viaClone).toEqual(sketch);
    expect(summarize(viaJson)).toEqual(summarize(sketch));

    // Bucket keys come back as strings: further records must land in the same buckets.
    for (const v of [3, 3_000, 0.5]) {
      recordLatency(sketch, v);
      recordLatency(viaJson, v);
    }
    expect(viaJson).toEqual(sketch);
  });

  it("an empty sketch summarizes to zeros", () => {
    expect(summarize(emptySketch())).toEqual({ count: 0, sum: 0, min: 0, max: 0, avg: 0, p50: 0, p75: 0, p90: 0, p95: 0, p99: 0 });
    expect(quantile(emptySketch(), 0.99)).toBe(0);
  });
});
