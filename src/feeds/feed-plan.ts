/**
 * Which builder feeds a run opens, and what its environment says about them. A feed is opened when
 * the run's execution layer has it (chain/layers.ts capabilities) and its URL is configured
 * (config.ts); otherwise `sources` says which of the two was missing, so a run without
 * preconfirmations explains itself ("layer anvil has no preconfirmation feed", "PRECONF_WS_URL not
 * set"). The plan holds the URLs as configured (tokens included: the sockets need them); `sources`
 * holds them through `publicUrl`, because it is stored with the run and shown to anyone.
 */
import { layerNamed, type LayerName } from "../chain/layers";
import type { RuntimeConfig } from "../config";
import { builderStatusUrl } from "./builder-status";
import type { FeedSources, SourceUse } from "./feed-sources";
import { publicUrl } from "./feed-url";

/** Where the block-metrics feed is, beside the preconfirmation feed (PRODUCT.md §8, §10). */
export const BLOCK_METRICS_PATH = "/ws/block-metrics";

export interface FeedPlan {
  preconf?: string;
  blockMetrics?: string;
  flashblocks?: string;
  builderStatus?: string;
}

export type { FeedSources, SourceUse } from "./feed-sources";

export type FeedConfig = Pick<RuntimeConfig, "preconfWsUrl" | "flashblocksWsUrl" | "builderRpcUrl" | "l2RpcUrl">;

const WS_SCHEMES = ["ws:", "wss:", "http:", "https:"];

/** The configured URL as a WebSocket feed URL, or why it is not one. */
function wsUrl(raw: string, name: string): URL | string {
  try {
    const url = new URL(raw);
    if (WS_SCHEMES.includes(url.protocol)) return url;
    return `${name} is not a ws:// or wss:// URL (${url.protocol})`;
  } catch {
    return `${name} is not a URL`;
  }
}

interface Want {
  /** The layer has it. */
  has: boolean;
  /** What the layer lacks, in words: "no preconfirmation feed". */
  lacks: string;
  /** The variable whose URL it needs. */
  variable: string;
  raw: string | undefined;
  /** Said after "<variable> not set", when the variable's name does not say what it is for here. */
  unsetNote?: string;
  /** The feed's URL from the variable's (default: the same). */
  derive?: (url: URL) => URL;
}

function plan(layer: LayerName, want: Want): { url?: string; use: SourceUse } {
  if (!want.has) {
    const ignored = want.raw ? ` (${want.variable} is set, but not used on this layer)` : "";
    return { use: { source: "none", reason: `layer ${layer} has ${want.lacks}${ignored}` } };
  }
  if (!want.raw) return { use: { source: "none", reason: `${want.variable} not set${want.unsetNote ?? ""}` } };
  const parsed = wsUrl(want.raw, want.variable);
  if (typeof parsed === "string") return { use: { source: "none", reason: parsed } };
  const url = want.derive ? want.derive(parsed) : parsed;
  return { url: url.href, use: { source: "ws", url: publicUrl(url) } };
}

/** Same origin as the preconfirmation feed (and its credentials and query: the same server), path `/ws/block-metrics`. */
function blockMetricsUrl(preconf: URL): URL {
  const url = new URL(preconf);
  url.pathname = BLOCK_METRICS_PATH;
  return url;
}

/** An RPC URL's origin only: providers put API keys in the path (as schedule firings' reasons hide it too). */
function rpcOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "[not a URL]";
  }
}

export function planFeeds(layer: LayerName, config: FeedConfig): { plan: FeedPlan; sources: FeedSources } {
  const caps = layerNamed(layer).capabilities;
  const preconf = plan(layer, { has: caps.preconfirmations, lacks: "no preconfirmation feed", variable: "PRECONF_WS_URL", raw: config.preconfWsUrl });
  const blockMetrics = plan(layer, {
    has: caps.blockMetricsWs,
    lacks: "no block-metrics feed",
    variable: "PRECONF_WS_URL",
    raw: config.preconfWsUrl,
    unsetNote: ` (the block-metrics feed is at its origin, ${BLOCK_METRICS_PATH})`,
    derive: blockMetricsUrl,
  });
  const flashblocks = plan(layer, { has: caps.flashblocks, lacks: "no flashblocks feed", variable: "FLASHBLOCKS_WS_URL", raw: config.flashblocksWsUrl });
  let status: { url?: string; use: SourceUse };
  if (!caps.builderStatus) status = { use: { source: "none", reason: `layer ${layer} has no builder status` } };
  else {
    try {
      const url = builderStatusUrl(config.builderRpcUrl);
      status = { url: url.href, use: { source: "http", url: publicUrl(url) } };
    } catch {
      status = { use: { source: "none", reason: "BUILDER_RPC_URL is not a URL" } };
    }
  }
  const out: FeedPlan = {};
  if (preconf.url) out.preconf = preconf.url;
  if (blockMetrics.url) out.blockMetrics = blockMetrics.url;
  if (flashblocks.url) out.flashblocks = flashblocks.url;
  if (status.url) out.builderStatus = status.url;
  return {
    plan: out,
    sources: {
      preconfirmations: preconf.use,
      blockMetrics: blockMetrics.use,
      flashblocks: flashblocks.use,
      builderStatus: status.use,
      inclusion: { source: "polling", url: rpcOrigin(config.l2RpcUrl) },
    },
  };
}
