/**
 * The test builder's fault switches, as `POST /control` sets them. A body MERGES into the current
 * settings: a field it names replaces that setting, the others keep theirs, so a test can arm
 * `revokeNext` without resetting the shape another test chose. Counters (`revokeNext`, …) are set,
 * not added to, and count down as they are spent. `disconnect` and `refuseMs` are one-shot actions,
 * not settings. `POST /control/reset` restores the defaults and zeroes the stats, but does not
 * restart the preconf seqNum: connected clients would see it go backwards.
 *
 * Unknown fields and bad values are refused (400) so that a typo in a test fails loudly instead of
 * leaving the fault silently off.
 */

export type PreconfShape = "single" | "batch" | "alternate";
export type FrameEncoding = "text" | "brotli";
export type DisconnectTarget = "preconf" | "block-metrics" | "flashblocks" | "all";

export interface FaultSettings {
  /** The next n txs that get `preconfirmed` also get `revoked` one delay later. */
  revokeNext: number;
  /** The next n accepted txs get `dropped` instead of `preconfirmed`. */
  dropNext: number;
  /** The next n accepted txs get `requeued` before their (later) `preconfirmed`. */
  requeueNext: number;
  /** The next batch message's seqNum jumps by 1 + n. */
  seqGap: number;
  shape: PreconfShape;
  /** Encoding of flashblock frames for connections that did not pin one with `?encoding=`. */
  flashblockFrames: FrameEncoding;
  /** Delay between a tx's lifecycle steps before inclusion (pending → preconfirmed → …). */
  preconfDelayMs: number;
  /** Delay before each block's block-metrics frame goes out: a feed that trails the node's head. */
  blockMetricsDelayMs: number;
}

export interface ControlRequest extends Partial<FaultSettings> {
  disconnect?: DisconnectTarget;
  refuseMs?: number;
}

export const defaultSettings = (preconfDelayMs = 20): FaultSettings => ({
  revokeNext: 0,
  dropNext: 0,
  requeueNext: 0,
  seqGap: 0,
  shape: "alternate",
  flashblockFrames: "text",
  preconfDelayMs,
  blockMetricsDelayMs: 0,
});

const COUNTS = ["revokeNext", "dropNext", "requeueNext", "seqGap", "preconfDelayMs", "blockMetricsDelayMs", "refuseMs"] as const;
const CHOICES: Record<string, readonly string[]> = {
  shape: ["single", "batch", "alternate"],
  flashblockFrames: ["text", "brotli"],
  disconnect: ["preconf", "block-metrics", "flashblocks", "all"],
};

/** The request, or why it is refused. */
export function parseControl(body: unknown): ControlRequest | string {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return "the body must be a JSON object";
  for (const [key, value] of Object.entries(body)) {
    if ((COUNTS as readonly string[]).includes(key)) {
      if (!Number.isInteger(value) || (value as number) < 0) return `${key} must be a non-negative integer`;
    } else if (key in CHOICES) {
      if (!CHOICES[key].includes(value as string)) return `${key} must be one of ${CHOICES[key].join(", ")}`;
    } else {
      return `unknown field ${key}`;
    }
  }
  return body as ControlRequest;
}

/** Applies the settings a request names; returns the one-shot actions it asked for. */
export function mergeSettings(settings: FaultSettings, request: ControlRequest): Pick<ControlRequest, "disconnect" | "refuseMs"> {
  const { disconnect, refuseMs, ...changes } = request;
  Object.assign(settings, changes);
  return { disconnect, refuseMs };
}
