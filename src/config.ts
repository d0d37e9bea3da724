/**
 * Configuration: every binding and var the worker reads, parsed and defaulted in one place.
 * Secrets (FUNDER_*, ACCOUNTS_MNEMONIC, API_TOKEN) are read here and nowhere else, and never
 * leave this module except as the derived keys the account objects need.
 */
import type { AccountDO } from "./account/account-do";
import type { LiveFeed } from "./live/live-feed";
import { parseLayerSetting, type LayerSetting } from "./chain/layers";
import { DEFAULT_MAX_RESPONSE_BYTES } from "./chain/rpc";
import type { RunCoordinator } from "./run/coordinator";
import type { Scheduler } from "./schedule/scheduler";

export interface Env {
  DB: D1Database;
  RUN_COORDINATOR: DurableObjectNamespace<RunCoordinator>;
  ACCOUNT: DurableObjectNamespace<AccountDO>;
  /** The one object whose alarm drives `everySeconds` schedules. */
  SCHEDULER: DurableObjectNamespace<Scheduler>;
  /** The one object that holds the viewers of `GET /v1/ws` (live/live-feed.ts). */
  LIVE_FEED: DurableObjectNamespace<LiveFeed>;
  /** Operator override of the detected execution layer (chain/layers.ts LAYER_NAMES); unset: detect. */
  EXECUTION_LAYER?: string;
  BUILDER_RPC_URL?: string;
  L2_RPC_URL?: string;
  L2_WS_URL?: string;
  /** The builder's preconfirmation WebSocket; its block-metrics feed is at the same origin, `/ws/block-metrics`. */
  PRECONF_WS_URL?: string;
  /** An op-rbuilder flashblocks WebSocket (op-reth layers). */
  FLASHBLOCKS_WS_URL?: string;
  BLOCK_TIME_MS?: string;
  API_TOKEN?: string;
  FUNDER_PRIVATE_KEY?: string;
  FUNDER_MNEMONIC?: string;
  ACCOUNTS_MNEMONIC?: string;
  /** Milliseconds to wait after the last send for late inclusions (default: 3 blocks, at least 3 s). */
  GRACE_PERIOD_MS?: string;
  /** Coordinator tick in milliseconds, 100–250 (default 200). */
  TICK_MS?: string;
  /** Blocks a sent transaction may wait before it is re-broadcast (default 5, at least 1 s). */
  STUCK_AFTER_BLOCKS?: string;
  /** Unchanged re-broadcasts before a stuck transaction is replaced with a fee bump (default 2). */
  REBROADCASTS_BEFORE_REPLACE?: string;
  /** Confirmed transactions logged to D1 per second at most; above it, one in N is (default 1000). */
  TX_LOG_MAX_TPS?: string;
  /** How long the stop sequence may wait for a backlog that is still being mined (default 300 s). */
  STOP_DRAIN_MAX_MS?: string;
  /** Bytes of one JSON-RPC response body above which the answer is refused (default 32 MiB). */
  RPC_MAX_RESPONSE_BYTES?: string;
  /** How long /recycle waits for its sweeps to be mined before it answers "partial" (default 60 s). */
  RECYCLE_WAIT_MS?: string;
  /** How sender objects sign: `wasm` (libsecp256k1 in WebAssembly, default) or `viem` (JavaScript). */
  SIGNER?: string;
}

/** The chain id of anvil and hardhat: the only chain where the public dev mnemonic may fund a run. */
export const DEV_CHAIN_ID = 31337;

/** The well-known anvil/hardhat mnemonic. Public by design; used only on chain 31337. */
export const DEV_MNEMONIC = "test test test test test test test test test test test junk";

/** PRODUCT.md §10: the largest request body the API reads (larger: 413). */
export const MAX_REQUEST_BODY_BYTES = 64 * 1024;

/** Fixed recipient of eth-transfer load: an address nobody holds a key for. */
export const TRANSFER_RECIPIENT = "0x000000000000000000000000000000000000dEaD" as const;

export const DEFAULT_TIP_WEI = 1_000_000_000n;

export interface RuntimeConfig {
  /** `EXECUTION_LAYER`: detect, a forced layer, or a value that names no layer (refused at /start). */
  executionLayer: LayerSetting;
  builderRpcUrl: string;
  l2RpcUrl: string;
  /** Builder feeds (PRODUCT.md §8); unset: the run goes without them (feeds/feed-plan.ts says why in its sources). */
  preconfWsUrl: string | undefined;
  flashblocksWsUrl: string | undefined;
  blockTimeMs: number;
  tickMs: number;
  gracePeriodMs: number;
  /** A backlog the chain is still working off is waited for past the grace period, up to this long after sending ends. */
  stopDrainMaxMs: number;
  /** How long, in blocks and in time, a sent transaction may stay unmined before it is nudged again. */
  stuckAfterBlocks: number;
  stuckAfterMs: number;
  rebroadcastsBeforeReplace: number;
  /** D1 is one writer: a run faster than this logs one confirmed transaction in N, N = ceil(peak / this). */
  txLogMaxTps: number;
  /** Passed to every JsonRpcClient as `maxResponseBytes`. */
  rpcMaxResponseBytes: number;
  recycleWaitMs: number;
  signer: SignerKind;
  apiToken: string | undefined;
}

/** How sender objects sign (account/signer.ts): libsecp256k1 in WebAssembly, or viem's JavaScript. */
export const SIGNER_KINDS = ["wasm", "viem"] as const;
export type SignerKind = (typeof SIGNER_KINDS)[number];

/** libsecp256k1 in WebAssembly (issue 9): byte-identical to viem's signer, 1.8–2.3 times its rate in workerd (bench/sign-worker.ts). */
const DEFAULT_SIGNER: SignerKind = "wasm";
const DEFAULT_RPC_URL = "http://127.0.0.1:8545";
const MIB = 1024 * 1024;

function positiveInt(raw: string | undefined, fallback: number, min: number, max: number): number {
  const value = raw === undefined || raw === "" ? NaN : Number(raw);
  if (!Number.isFinite(value)) return fallback;
  return Math.min(max, Math.max(min, Math.round(value)));
}

export function readConfig(env: Env): RuntimeConfig {
  const blockTimeMs = positiveInt(env.BLOCK_TIME_MS, 150, 1, 600_000);
  const builderRpcUrl = env.BUILDER_RPC_URL || DEFAULT_RPC_URL;
  return {
    executionLayer: parseLayerSetting(env.EXECUTION_LAYER),
    builderRpcUrl,
    l2RpcUrl: env.L2_RPC_URL || builderRpcUrl,
    preconfWsUrl: env.PRECONF_WS_URL?.trim() || undefined,
    flashblocksWsUrl: env.FLASHBLOCKS_WS_URL?.trim() || undefined,
    blockTimeMs,
    tickMs: positiveInt(env.TICK_MS, 200, 100, 250),
    gracePeriodMs: positiveInt(env.GRACE_PERIOD_MS, Math.max(3_000, blockTimeMs * 3), 0, 600_000),
    stopDrainMaxMs: positiveInt(env.STOP_DRAIN_MAX_MS, 300_000, 0, 3_600_000),
    stuckAfterBlocks: positiveInt(env.STUCK_AFTER_BLOCKS, 5, 1, 10_000),
    stuckAfterMs: Math.max(1_000, positiveInt(env.STUCK_AFTER_BLOCKS, 5, 1, 10_000) * blockTimeMs),
    rebroadcastsBeforeReplace: positiveInt(env.REBROADCASTS_BEFORE_REPLACE, 2, 0, 100),
    txLogMaxTps: positiveInt(env.TX_LOG_MAX_TPS, 1_000, 1, 1_000_000),
    // Not below 1 MiB (a 500-call answer needs room); not above 100 MiB (an isolate has 128 MB).
    rpcMaxResponseBytes: positiveInt(env.RPC_MAX_RESPONSE_BYTES, DEFAULT_MAX_RESPONSE_BYTES, MIB, 100 * MIB),
    recycleWaitMs: positiveInt(env.RECYCLE_WAIT_MS, 60_000, 1_000, 600_000),
    signer: (SIGNER_KINDS as readonly string[]).includes(env.SIGNER ?? "") ? (env.SIGNER as SignerKind) : DEFAULT_SIGNER,
    apiToken: env.API_TOKEN || undefined,
  };
}

/** The bindings that are secrets (`wrangler secret put`): never printed, logged or stored. */
export const SECRET_NAMES = ["API_TOKEN", "FUNDER_PRIVATE_KEY", "FUNDER_MNEMONIC", "ACCOUNTS_MNEMONIC"] as const;

/**
 * `text` with every secret this worker holds (API_TOKEN, FUNDER_PRIVATE_KEY with or without its
 * 0x and in any case, FUNDER_MNEMONIC, ACCOUNTS_MNEMONIC) replaced by `[redacted]`. The last net
 * under error text that leaves the worker: responses, D1 rows, log lines.
 */
export function redactSecrets(env: Env, text: string): string {
  // The key is matched without its 0x, so that it goes with or without one.
  const secrets = SECRET_NAMES.map((name) => (name === "FUNDER_PRIVATE_KEY" ? env[name]?.trim().replace(/^0x/i, "") : env[name]?.trim()));
  let out = text;
  // Longest first: a secret that holds another must not be cut by the shorter one's redaction.
  for (const secret of secrets.filter((s): s is string => !!s).sort((a, b) => b.length - a.length)) {
    out = out.replace(new RegExp(secret.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "gi"), "[redacted]");
  }
  return out;
}

/** Where the funder key comes from; the secret value itself is resolved by `account/keys.ts`. */
export type FunderSource =
  | { kind: "private-key"; privateKey: `0x${string}`; accountsMnemonic?: string }
  | { kind: "mnemonic"; mnemonic: string; accountsMnemonic?: string };

export function funderSource(env: Env, chainId: number): FunderSource | undefined {
  const accountsMnemonic = env.ACCOUNTS_MNEMONIC || undefined;
  if (env.FUNDER_PRIVATE_KEY) {
    const key = env.FUNDER_PRIVATE_KEY.startsWith("0x") ? env.FUNDER_PRIVATE_KEY : `0x${env.FUNDER_PRIVATE_KEY}`;
    return { kind: "private-key", privateKey: key as `0x${string}`, accountsMnemonic };
  }
  if (env.FUNDER_MNEMONIC) return { kind: "mnemonic", mnemonic: env.FUNDER_MNEMONIC, accountsMnemonic };
  if (chainId === DEV_CHAIN_ID) return { kind: "mnemonic", mnemonic: DEV_MNEMONIC, accountsMnemonic };
  return undefined;
}

/** Auto-sizing from PRODUCT.md §7: ceil(TPS × blockSec / 30 × 1.5), clamped to 10–5000. */
export function autoAccountCount(targetTps: number, blockTimeMs: number): number {
  const raw = Math.ceil(((targetTps * (blockTimeMs / 1000)) / 30) * 1.5);
  return Math.min(5000, Math.max(10, raw));
}
