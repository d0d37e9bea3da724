/**
 * The execution-layer registry (PRODUCT.md §8): what each layer offers the load generator, which
 * layer a node is from its `web3_clientVersion`, and which layer a run uses (the operator's
 * `EXECUTION_LAYER` override, else the detected one). Data and plain functions only: the query
 * itself lives in node-queries.ts.
 */

export const LAYER_NAMES = ["reth", "op-reth", "gravity-reth", "cdk-erigon", "anvil", "geth", "generic"] as const;
export type LayerName = (typeof LAYER_NAMES)[number];

export interface LayerCapabilities {
  /** Blocks are built by an external builder (its `/status` and feeds sit beside the RPC). */
  externalBuilder: boolean;
  /** A preconfirmation WebSocket (`PRECONF_WS_URL`). */
  preconfirmations: boolean;
  /** A builder `GET /status` at the origin of `BUILDER_RPC_URL`. */
  builderStatus: boolean;
  /** A block-metrics WebSocket (`/ws/block-metrics`). */
  blockMetricsWs: boolean;
  /** An op-rbuilder flashblocks WebSocket (`FLASHBLOCKS_WS_URL`): sub-block preconfirmations, OP stack only. */
  flashblocks: boolean;
  /** Transactions must be legacy (type 0): EIP-1559 ones are not (reliably) accepted. */
  legacyTransactions: boolean;
}

export interface ExecutionLayer {
  name: LayerName;
  description: string;
  capabilities: LayerCapabilities;
  /**
   * Send batches one account object may have in flight at once (a run may ask otherwise). Batches
   * sent together may reach the node out of nonce order, so the later one waits in the pool as
   * future nonces: anvil keeps them all, but geth keeps only 64 per account (`AccountQueue`) and
   * reth bounds them per sender too, so a 200-call batch arriving early would mostly be dropped and
   * come back only through stuck-transaction rebroadcasts. There, one at a time; on anvil too for
   * now (see its entry). Every layer says 1 today: the field stays so that a layer known to hold
   * future nonces can default higher once the CI failure noted at anvil's entry is understood.
   */
  batchesInFlight: number;
}

/** A Worker invocation may hold six outbound connections open: more batches at once would only queue. */
export const MAX_BATCHES_IN_FLIGHT = 6;

const NONE: LayerCapabilities = { externalBuilder: false, preconfirmations: false, builderStatus: false, blockMetricsWs: false, flashblocks: false, legacyTransactions: false };
const BUILDER: LayerCapabilities = { externalBuilder: true, preconfirmations: true, builderStatus: true, blockMetricsWs: true, flashblocks: false, legacyTransactions: false };

export const EXECUTION_LAYERS: readonly ExecutionLayer[] = [
  { name: "reth", description: "reth with an external block builder", capabilities: BUILDER, batchesInFlight: 1 },
  // Flashblocks are an OP-stack builder's (op-rbuilder, rollup-boost) stream: plain reth has none.
  { name: "op-reth", description: "OP-stack reth with an external block builder", capabilities: { ...BUILDER, flashblocks: true }, batchesInFlight: 1 },
  { name: "gravity-reth", description: "Gravity's reth fork (reports itself as reth: set EXECUTION_LAYER)", capabilities: NONE, batchesInFlight: 1 },
  { name: "cdk-erigon", description: "Polygon CDK erigon: legacy (type-0) transactions", capabilities: { ...NONE, legacyTransactions: true }, batchesInFlight: 1 },
  // anvil keeps every future nonce, but with 6 the suite once left 130 transactions queued behind a
  // nonce gap after a stop (CI, run-lifecycle): until that is found, a run asks for more itself.
  { name: "anvil", description: "Foundry's anvil dev node", capabilities: NONE, batchesInFlight: 1 },
  { name: "geth", description: "go-ethereum and its forks (op-geth)", capabilities: NONE, batchesInFlight: 1 },
  { name: "generic", description: "any other JSON-RPC node (erigon, nethermind, besu, ...)", capabilities: NONE, batchesInFlight: 1 },
];

export function layerNamed(name: LayerName): ExecutionLayer {
  return EXECUTION_LAYERS.find((l) => l.name === name)!;
}

export const isLayerName = (value: string): value is LayerName => (LAYER_NAMES as readonly string[]).includes(value);

/** How many send batches each account object may have in flight: the run's choice, else its layer's. */
export const batchesInFlightFor = (layer: LayerName | undefined, requested: number | undefined): number =>
  requested ?? (layer === undefined ? 1 : layerNamed(layer).batchesInFlight);

/** Whether transactions on this layer are signed as legacy (type 0). Unknown (old records): no. */
export const needsLegacy = (layer: LayerName | undefined): boolean => layer !== undefined && layerNamed(layer).capabilities.legacyTransactions;

export interface Detection {
  layer: LayerName;
  /** The implementation the string names (`op-geth`, `erigon`, `nethermind`, ...), or `unknown`. */
  client: string;
  version: string | null;
  clientVersion: string;
}

/**
 * Rules on the first `/`-separated part (the client name) and the version after it, first match
 * wins. Strings look like `Name/vX.Y.Z[-suffix]/os-arch/runtime` (anvil: just `anvil/vX.Y.Z`);
 * test/workers/fixtures/client-versions.ts holds real ones and where each was seen.
 * - op-geth names itself `Geth` and encodes the upstream geth version in the minor number
 *   (v1.101411.2 = op-geth on geth 1.14.11), so a minor of 100000 or more is op-geth.
 * - op-reth reports `op-reth/v…` since it sets its own version metadata; older builds, like
 *   gravity-reth and other reth forks, report plain `reth/v…` and are detected as reth.
 */
const RULES: ReadonlyArray<{ name: RegExp; client: string; layer: LayerName }> = [
  { name: /^anvil$/i, client: "anvil", layer: "anvil" },
  { name: /^cdk-erigon$/i, client: "cdk-erigon", layer: "cdk-erigon" },
  { name: /^op-reth$/i, client: "op-reth", layer: "op-reth" },
  { name: /^gravity-reth$/i, client: "gravity-reth", layer: "gravity-reth" },
  { name: /^reth$/i, client: "reth", layer: "reth" },
  { name: /^(op-)?geth$/i, client: "geth", layer: "geth" },
  { name: /^erigon$/i, client: "erigon", layer: "generic" },
  { name: /^nethermind$/i, client: "nethermind", layer: "generic" },
  { name: /^besu$/i, client: "besu", layer: "generic" },
];

const isOpGethVersion = (version: string) => Number(/^v?\d+\.(\d+)/.exec(version)?.[1] ?? 0) >= 100_000;

/** Which layer a node is, from its `web3_clientVersion`. Anything not recognized is `generic`. */
export function detectLayer(clientVersion: string): Detection {
  const trimmed = clientVersion.trim();
  const [name = "", rawVersion = ""] = trimmed.split("/");
  const version = rawVersion === "" ? null : rawVersion;
  const rule = RULES.find((r) => r.name.test(name));
  if (!rule) return { layer: "generic", client: "unknown", version, clientVersion: trimmed };
  const client = rule.client === "geth" && (/^op-/i.test(name) || isOpGethVersion(version ?? "")) ? "op-geth" : rule.client;
  return { layer: rule.layer, client, version, clientVersion: trimmed };
}

/** `EXECUTION_LAYER` as read by config.ts: absent (detect), a layer, or a value that is not one. */
export type LayerSetting = { kind: "detect" } | { kind: "forced"; layer: LayerName } | { kind: "invalid"; value: string };

export function parseLayerSetting(raw: string | undefined): LayerSetting {
  const value = (raw ?? "").trim();
  if (value === "") return { kind: "detect" };
  const name = value.toLowerCase();
  return isLayerName(name) ? { kind: "forced", layer: name } : { kind: "invalid", value };
}

/** EXECUTION_LAYER as the operator set it, valid or not; null when the layer is detected. */
export const configuredLayer = (setting: LayerSetting): string | null =>
  setting.kind === "forced" ? setting.layer : setting.kind === "invalid" ? setting.value : null;

export const invalidLayerMessage = (value: string) => `EXECUTION_LAYER is '${value}', not one of ${LAYER_NAMES.join(", ")}`;

/** The layer a run uses when the node's layer cannot be told (no answer to web3_clientVersion). */
export const FALLBACK_LAYER: LayerName = "reth";

export interface LayerChoice {
  layer: LayerName;
  source: "forced" | "detected" | "fallback";
  detection: Detection | null;
  /** Why nothing was detected, when nothing was. */
  reason?: string;
}

/**
 * Which layer a run uses: the operator's override wins; otherwise what the node says it is; and a
 * node that does not say gets the spec's default (reth), which needs nothing a node lacks to send.
 */
export function chooseLayer(setting: Exclude<LayerSetting, { kind: "invalid" }>, probe: { clientVersion: string } | { reason: string } | null): LayerChoice {
  const detection = probe && "clientVersion" in probe ? detectLayer(probe.clientVersion) : null;
  const reason = probe && "reason" in probe ? probe.reason : undefined;
  if (setting.kind === "forced") return { layer: setting.layer, source: "forced", detection, ...(reason ? { reason } : {}) };
  if (detection) return { layer: detection.layer, source: "detected", detection };
  return { layer: FALLBACK_LAYER, source: "fallback", detection: null, reason: reason ?? "not asked" };
}
