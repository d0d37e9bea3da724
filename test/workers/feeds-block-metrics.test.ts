/** The builder's block-metrics frames, and the bounded per-block summary they feed. */
import { describe, expect, it } from "vitest";
import { parseBlockMetricsMessage } from "../../src/feeds/block-metrics-messages";
import { RECENT_BLOCKS, emptyFeedFigures, feedFiguresView, recordBlockMetricsMessage } from "../../src/feeds/feed-figures";

const AT = 1_750_000_000_500;
const BLOCK_HASH = "0x" + "Ab".repeat(32);
const frame = (fields: Record<string, unknown>) => parseBlockMetricsMessage(JSON.stringify(fields), AT);

describe("parseBlockMetricsMessage", () => {
  it("reads the Go builder's frame (numbers, its timing breakdown and rejections)", () => {
    const m = frame({
      blockNumber: 1234,
      blockHash: BLOCK_HASH,
      timestamp: 1_750_000_000,
      emittedAt: 1_750_000_000_450,
      gasUsed: 15_000_000,
      gasLimit: 30_000_000,
      txCount: 700,
      fillRate: 50,
      filterDurationMs: 3,
      engineApiDurationMs: 41,
      totalBuildDurationMs: 47,
      rejections: { nonceTooLow: 2, nonceTooHigh: 0, other: "0x1", bogus: "many" },
      somethingNew: { kept: false },
    });
    expect(m).toEqual({
      ok: true,
      block: {
        blockNumber: 1234,
        blockHash: BLOCK_HASH.toLowerCase(),
        timestamp: 1_750_000_000,
        gasUsed: 15_000_000,
        gasLimit: 30_000_000,
        txCount: 700,
        fillRate: 50,
        buildTimeMs: 47,
        timings: { filterDurationMs: 3, engineApiDurationMs: 41, totalBuildDurationMs: 47 },
        rejections: { nonceTooLow: 2, nonceTooHigh: 0, other: 1 },
        emittedAt: 1_750_000_000_450,
        receivedAt: AT,
      },
    });
  });

  it("reads hex strings, prefers buildTimeMs, keeps sealTimeMs, and works the fill rate out when it is not sent", () => {
    const m = frame({ blockNumber: "0x4d2", gasUsed: "0x7a1200", gasLimit: "0x1e84800", txCount: "0x10", buildTimeMs: 12.5, sealTimeMs: "1.75", totalBuildDurationMs: 99 });
    expect(m.ok && m.block).toMatchObject({
      blockNumber: 1234,
      gasUsed: 8_000_000,
      gasLimit: 32_000_000,
      txCount: 16,
      fillRate: 25,
      buildTimeMs: 12.5,
      timings: { buildTimeMs: 12.5, sealTimeMs: 1.75, totalBuildDurationMs: 99 },
      blockHash: null,
      rejections: null,
    });
  });

  it("leaves out what is missing or malformed, but a frame needs its block number", () => {
    const m = frame({ blockNumber: 7, gasUsed: -5, gasLimit: 0, fillRate: "full", buildTimeMs: null, blockHash: "0x12" });
    expect(m.ok && m.block).toMatchObject({ blockNumber: 7, gasUsed: null, gasLimit: 0, fillRate: null, buildTimeMs: null, timings: {}, blockHash: null });
    expect(frame({ gasUsed: 1 })).toEqual({ ok: false, reason: "blockNumber missing or not a number" });
    expect(frame({ blockNumber: 1.5 })).toEqual({ ok: false, reason: "blockNumber missing or not a number" });
    expect(frame({ blockNumber: "0x" + "f".repeat(20) })).toEqual({ ok: false, reason: "blockNumber missing or not a number" });
    expect(parseBlockMetricsMessage("nope", AT)).toEqual({ ok: false, reason: "not JSON" });
    expect(parseBlockMetricsMessage("null", AT)).toEqual({ ok: false, reason: "not an object" });
  });
});

describe("recordBlockMetricsMessage", () => {
  it("summarizes builds: distinct blocks, missed and repeated numbers, sums, fill-rate and build-time sketches", () => {
    const f = emptyFeedFigures();
    const builds: Array<[number, number, number]> = [
      // [block, fill %, build ms]
      [10, 0.5, 20],
      [11, 40, 30],
      [14, 80, 50],
      [15, 99.9, 100],
    ];
    for (const [blockNumber, fillRate, buildTimeMs] of builds) {
      expect(recordBlockMetricsMessage(f, frame({ blockNumber, fillRate, buildTimeMs, gasUsed: 1_000, txCount: 3 }))).not.toBeNull();
    }
    expect(recordBlockMetricsMessage(f, frame({ blockNumber: 14, fillRate: 1 }))).toBeNull();
    expect(recordBlockMetricsMessage(f, frame({ fillRate: 1 }))).toBeNull();
    const view = feedFiguresView(f).blockMetrics;
    expect(view).toMatchObject({ messages: 6, invalidMessages: 1, blocks: 4, repeatedBlocks: 1, missedBlocks: 2, gasUsed: 4_000, txCount: 12 });
    // Basis points keep a half-percent block exact; the sketch is within 1 % elsewhere.
    expect(view.fillRatePercent).toMatchObject({ count: 4, min: 0.5, max: 99.9 });
    expect(view.fillRatePercent.avg).toBeCloseTo((0.5 + 40 + 80 + 99.9) / 4, 1);
    expect(view.buildTimeMs).toMatchObject({ count: 4, min: 20, max: 100, avg: 50 });
    expect(view.buildTimeMs.p50).toBeGreaterThan(29);
    expect(view.buildTimeMs.p50).toBeLessThan(31);
    expect(view.recent.map((b) => b.blockNumber)).toEqual([10, 11, 14, 15]);
  });

  it("keeps only the last RECENT_BLOCKS builds in full, however long the run", () => {
    const f = emptyFeedFigures();
    for (let n = 1; n <= 500; n++) recordBlockMetricsMessage(f, frame({ blockNumber: n, buildTimeMs: n }));
    expect(f.blockMetrics.recent.map((b) => b.blockNumber)).toEqual(Array.from({ length: RECENT_BLOCKS }, (_, i) => 500 - RECENT_BLOCKS + 1 + i));
    expect(f.blockMetrics.blocks).toBe(500);
    expect(JSON.stringify(f).length).toBeLessThan(8_000);
  });
});
