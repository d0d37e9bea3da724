/**
 * The builder's block-metrics feed (PRODUCT.md §8, `/ws/block-metrics` beside the preconfirmation
 * feed): one frame per built block, parsed into a typed `BlockBuild`. Numbers may come as JSON
 * numbers, decimal strings or `0x` hex (the original Go builder sends numbers, a Rust one hex);
 * build-timing fields known from builders are kept when present, anything else is left out.
 * Never throws: a bad frame is `{ ok: false }` for the caller to count.
 */
import { frameText, hash32, isRecord, measure, parseJson, quantity, type FrameData } from "./frame-json";

/**
 * Build-timing fields (ms) builders are known to send: `buildTimeMs` and `sealTimeMs`, and the
 * Go builder's breakdown (`filterDurationMs`, `engineApiDurationMs`, `totalBuildDurationMs`).
 */
export const BUILD_TIMING_FIELDS = ["buildTimeMs", "sealTimeMs", "filterDurationMs", "engineApiDurationMs", "totalBuildDurationMs"] as const;
export type BuildTimingField = (typeof BUILD_TIMING_FIELDS)[number];

export interface BlockBuild {
  blockNumber: number;
  blockHash: `0x${string}` | null;
  /** The block's timestamp as the builder sent it (the Go builder: Unix seconds). */
  timestamp: number | null;
  gasUsed: number | null;
  gasLimit: number | null;
  txCount: number | null;
  /** Percent of the gas limit used (0–100): as sent, else gasUsed / gasLimit × 100. */
  fillRate: number | null;
  /** How long the block took to build (ms): `buildTimeMs`, else `totalBuildDurationMs`. */
  buildTimeMs: number | null;
  /** Every known timing field the frame had. */
  timings: Partial<Record<BuildTimingField, number>>;
  /** Transactions the builder turned away for this block, by reason, when it says. */
  rejections: Record<string, number> | null;
  /** When the builder sent the frame (Unix ms), when it says. */
  emittedAt: number | null;
  /** When this worker received it (Unix ms). */
  receivedAt: number;
}

export type BlockMetricsMessage = { ok: true; block: BlockBuild } | { ok: false; reason: string };

function counts(value: unknown): Record<string, number> | null {
  if (!isRecord(value)) return null;
  const out: Record<string, number> = {};
  for (const [key, raw] of Object.entries(value)) {
    const n = quantity(raw);
    if (n !== null) out[key] = n;
  }
  return out;
}

export function parseBlockMetricsMessage(data: FrameData, receivedAt: number): BlockMetricsMessage {
  const json = parseJson(frameText(data));
  if (!json.ok) return json;
  const m = json.value;
  if (!isRecord(m)) return { ok: false, reason: "not an object" };
  const blockNumber = quantity(m.blockNumber);
  if (blockNumber === null) return { ok: false, reason: "blockNumber missing or not a number" };
  const gasUsed = quantity(m.gasUsed);
  const gasLimit = quantity(m.gasLimit);
  const timings: Partial<Record<BuildTimingField, number>> = {};
  for (const field of BUILD_TIMING_FIELDS) {
    const ms = measure(m[field]);
    if (ms !== null) timings[field] = ms;
  }
  const sentFill = measure(m.fillRate);
  return {
    ok: true,
    block: {
      blockNumber,
      blockHash: hash32(m.blockHash),
      timestamp: quantity(m.timestamp),
      gasUsed,
      gasLimit,
      txCount: quantity(m.txCount),
      fillRate: sentFill ?? (gasUsed !== null && gasLimit ? (gasUsed / gasLimit) * 100 : null),
      buildTimeMs: timings.buildTimeMs ?? timings.totalBuildDurationMs ?? null,
      timings,
      rejections: counts(m.rejections),
      emittedAt: quantity(m.emittedAt),
      receivedAt,
    },
  };
}
