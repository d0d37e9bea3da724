/**
 * The builder's `GET /status` (PRODUCT.md §8), at the origin of `BUILDER_RPC_URL`, snapshotted into
 * a run's environment. Only the known fields are kept, each with its type checked: the snapshot is
 * stored and shown, so a builder's extra or malformed fields never reach it. Never throws.
 */
import { readBounded } from "../chain/rpc";
import { RpcError } from "../errors";
import { isRecord, measure, quantity } from "./frame-json";
import { publicUrl, splitCredentials } from "./feed-url";

export interface BuilderStatus {
  pendingTxCount?: number;
  maxTxsPerBlock?: number;
  blockTimeMs?: number;
  gasLimit?: number;
  txOrdering?: string;
  enablePreconfirmations?: boolean;
  version?: string;
}

export type BuilderStatusResult =
  | {
      ok: true;
      status: BuilderStatus;
      /** Known fields the builder sent with the wrong type (left out of `status`). */
      invalidFields: string[];
    }
  | { ok: false; error: string };

export const BUILDER_STATUS_TIMEOUT_MS = 3_000;
/** A status answer is a few hundred bytes; anything near this is not one. */
const MAX_STATUS_BYTES = 64 * 1024;
const MAX_TEXT = 200;

const COUNT = (v: unknown) => quantity(v) ?? undefined;
const TEXT = (v: unknown) => (typeof v === "string" && v.length <= MAX_TEXT ? v : undefined);
const FIELDS: { [K in keyof Required<BuilderStatus>]: (v: unknown) => BuilderStatus[K] | undefined } = {
  pendingTxCount: COUNT,
  maxTxsPerBlock: COUNT,
  blockTimeMs: (v) => measure(v) ?? undefined,
  gasLimit: COUNT,
  txOrdering: TEXT,
  enablePreconfirmations: (v) => (typeof v === "boolean" ? v : undefined),
  version: TEXT,
};

/** The known fields of a `/status` body, each only when it has its type. */
export function parseBuilderStatus(body: unknown): BuilderStatusResult {
  if (!isRecord(body)) return { ok: false, error: "status is not a JSON object" };
  const status: Record<string, unknown> = {};
  const invalidFields: string[] = [];
  for (const [field, read] of Object.entries(FIELDS)) {
    if (body[field] === undefined || body[field] === null) continue;
    const value = read(body[field]);
    if (value === undefined) invalidFields.push(field);
    else status[field] = value;
  }
  return { ok: true, status: status as BuilderStatus, invalidFields };
}

/** Where the status is: `/status` at the origin of the builder's RPC URL (credentials kept for the request). */
export function builderStatusUrl(builderRpcUrl: string): URL {
  const url = new URL("/status", builderRpcUrl);
  url.search = "";
  return url;
}

/** Asks the builder for its status; any failure is `{ ok: false, error }` naming the URL without its credentials. */
export async function fetchBuilderStatus(builderRpcUrl: string, timeoutMs = BUILDER_STATUS_TIMEOUT_MS): Promise<BuilderStatusResult> {
  let target: URL;
  try {
    target = builderStatusUrl(builderRpcUrl);
  } catch {
    return { ok: false, error: "BUILDER_RPC_URL is not a URL" };
  }
  const where = publicUrl(target);
  const { url, headers } = splitCredentials(target);
  try {
    const response = await fetch(url, { headers: { accept: "application/json", ...headers }, redirect: "manual", signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) {
      await response.body?.cancel();
      return { ok: false, error: `HTTP ${response.status} from ${where}` };
    }
    const text = await readBounded(response, MAX_STATUS_BYTES);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return { ok: false, error: `answer from ${where} is not JSON` };
    }
    return parseBuilderStatus(body);
  } catch (err) {
    if (err instanceof RpcError && err.errorClass === "bad-response") return { ok: false, error: `answer from ${where} is over ${MAX_STATUS_BYTES} bytes` };
    const timedOut = err instanceof RpcError ? err.errorClass === "timeout" : err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
    // The runtime's message names no URL we did not give it, and we give it none with credentials.
    return { ok: false, error: timedOut ? `no answer from ${where} within ${timeoutMs} ms` : `${where} unreachable: ${err instanceof Error ? err.message : String(err)}`.slice(0, 300) };
  }
}
