/** Which feeds a run opens, from its layer's capabilities and the configured URLs, and how its environment says so. */
import { describe, expect, it } from "vitest";
import { EXECUTION_LAYERS, LAYER_NAMES } from "../../src/chain/layers";
import { readConfig, type Env } from "../../src/config";
import { planFeeds, type FeedConfig } from "../../src/feeds/feed-plan";
import { publicUrl } from "../../src/feeds/feed-url";

const URLS: FeedConfig = {
  preconfWsUrl: "ws://builder.internal:3001/ws/preconfirmations",
  flashblocksWsUrl: "wss://flashblocks.internal/ws",
  builderRpcUrl: "http://builder.internal:3000/rpc",
  l2RpcUrl: "http://l2.internal:8545",
};
const NONE: FeedConfig = { preconfWsUrl: undefined, flashblocksWsUrl: undefined, builderRpcUrl: "http://127.0.0.1:8545", l2RpcUrl: "http://127.0.0.1:8545" };

describe("the layer table", () => {
  it("gives flashblocks to op-reth alone; reth and op-reth keep the other builder feeds", () => {
    expect(EXECUTION_LAYERS.filter((l) => l.capabilities.flashblocks).map((l) => l.name)).toEqual(["op-reth"]);
    expect(EXECUTION_LAYERS.filter((l) => l.capabilities.preconfirmations && l.capabilities.blockMetricsWs && l.capabilities.builderStatus).map((l) => l.name)).toEqual(["reth", "op-reth"]);
  });
});

describe("planFeeds", () => {
  it("op-reth with every URL: all four feeds, block metrics at the preconf feed's origin", () => {
    expect(planFeeds("op-reth", URLS)).toEqual({
      plan: {
        preconf: "ws://builder.internal:3001/ws/preconfirmations",
        blockMetrics: "ws://builder.internal:3001/ws/block-metrics",
        flashblocks: "wss://flashblocks.internal/ws",
        builderStatus: "http://builder.internal:3000/status",
      },
      sources: {
        preconfirmations: { source: "ws", url: "ws://builder.internal:3001/ws/preconfirmations" },
        blockMetrics: { source: "ws", url: "ws://builder.internal:3001/ws/block-metrics" },
        flashblocks: { source: "ws", url: "wss://flashblocks.internal/ws" },
        builderStatus: { source: "http", url: "http://builder.internal:3000/status" },
        inclusion: { source: "polling", url: "http://l2.internal:8545" },
      },
    });
  });

  it("reth: no flashblocks, saying the layer has none and that the URL set is not used", () => {
    const { plan, sources } = planFeeds("reth", URLS);
    expect(plan.flashblocks).toBeUndefined();
    expect(plan.preconf).toBeDefined();
    expect(sources.flashblocks).toEqual({ source: "none", reason: "layer reth has no flashblocks feed (FLASHBLOCKS_WS_URL is set, but not used on this layer)" });
  });

  it.each(LAYER_NAMES.filter((n) => n !== "reth" && n !== "op-reth"))("%s: nothing but polling, and each source says its layer lacks it", (layer) => {
    const { plan, sources } = planFeeds(layer, NONE);
    expect(plan).toEqual({});
    expect(sources).toEqual({
      preconfirmations: { source: "none", reason: `layer ${layer} has no preconfirmation feed` },
      blockMetrics: { source: "none", reason: `layer ${layer} has no block-metrics feed` },
      flashblocks: { source: "none", reason: `layer ${layer} has no flashblocks feed` },
      builderStatus: { source: "none", reason: `layer ${layer} has no builder status` },
      inclusion: { source: "polling", url: "http://127.0.0.1:8545" },
    });
  });

  it("a builder layer without the URLs names the variable to set", () => {
    const { plan, sources } = planFeeds("op-reth", NONE);
    expect(plan).toEqual({ builderStatus: "http://127.0.0.1:8545/status" });
    expect(sources.preconfirmations).toEqual({ source: "none", reason: "PRECONF_WS_URL not set" });
    expect(sources.blockMetrics).toEqual({ source: "none", reason: "PRECONF_WS_URL not set (the block-metrics feed is at its origin, /ws/block-metrics)" });
    expect(sources.flashblocks).toEqual({ source: "none", reason: "FLASHBLOCKS_WS_URL not set" });
  });

  it("refuses a URL that is none, or of another scheme, saying so without echoing it", () => {
    const { plan, sources } = planFeeds("op-reth", { ...URLS, preconfWsUrl: "not a url secret=abc", flashblocksWsUrl: "ftp://x.example/fb" });
    expect(plan.preconf).toBeUndefined();
    expect(plan.flashblocks).toBeUndefined();
    expect(sources.preconfirmations).toEqual({ source: "none", reason: "PRECONF_WS_URL is not a URL" });
    expect(sources.flashblocks).toEqual({ source: "none", reason: "FLASHBLOCKS_WS_URL is not a ws:// or wss:// URL (ftp:)" });
  });

  it("keeps credentials and tokens in the plan (the sockets need them) and out of every source", () => {
    const secretive: FeedConfig = {
      preconfWsUrl: "wss://loadgen:hunter2@builder.example/ws/preconfirmations?token=tok-123#frag",
      flashblocksWsUrl: "wss://fb.example/ws?apikey=key-456",
      builderRpcUrl: "https://user:pw-789@builder.example/v1/key-abc?x=1",
      l2RpcUrl: "https://l2.example/v2/key-def",
    };
    const { plan, sources } = planFeeds("op-reth", secretive);
    expect(plan.preconf).toBe("wss://loadgen:hunter2@builder.example/ws/preconfirmations?token=tok-123#frag");
    expect(plan.blockMetrics).toBe("wss://loadgen:hunter2@builder.example/ws/block-metrics?token=tok-123#frag");
    expect(plan.flashblocks).toBe("wss://fb.example/ws?apikey=key-456");
    // /status is at the origin: the RPC URL's path (where providers put keys) and query are dropped.
    expect(plan.builderStatus).toBe("https://user:pw-789@builder.example/status");
    const text = JSON.stringify(sources);
    for (const secret of ["hunter2", "loadgen:", "tok-123", "key-456", "pw-789", "key-abc", "key-def", "frag", "?"]) expect(text).not.toContain(secret);
    expect(sources.preconfirmations).toEqual({ source: "ws", url: "wss://builder.example/ws/preconfirmations" });
    // An RPC URL shows its origin only: providers put API keys in the path.
    expect(sources.inclusion).toEqual({ source: "polling", url: "https://l2.example" });
  });

  it("reads its URLs from the worker's configuration (blank means unset)", () => {
    const config = readConfig({ PRECONF_WS_URL: " ws://b:1/ws/preconfirmations ", FLASHBLOCKS_WS_URL: "  " } as Env);
    expect(config).toMatchObject({ preconfWsUrl: "ws://b:1/ws/preconfirmations", flashblocksWsUrl: undefined });
    expect(planFeeds("op-reth", config).sources.flashblocks).toEqual({ source: "none", reason: "FLASHBLOCKS_WS_URL not set" });
  });
});

describe("publicUrl", () => {
  it("keeps scheme, host, port and path only; never echoes what is not a URL", () => {
    expect(publicUrl("wss://a:b@h.example:8443/p/q?token=x#y")).toBe("wss://h.example:8443/p/q");
    expect(publicUrl("token=secret")).toBe("[not a URL]");
  });
});
