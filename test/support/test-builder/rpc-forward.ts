/**
 * JSON-RPC through the builder: the body goes to anvil untouched and anvil's answer comes back
 * byte for byte (status, content type, body), so a client cannot tell the builder from the node.
 * Reading the answer is only for bookkeeping: which raw transactions anvil accepted.
 */
import type { Hex } from "viem";

export interface Forwarded {
  status: number;
  contentType: string;
  body: Buffer;
}

export async function forwardRpc(upstreamUrl: string, body: Buffer, contentType: string | undefined): Promise<Forwarded> {
  const response = await fetch(upstreamUrl, {
    method: "POST",
    headers: { "content-type": contentType ?? "application/json" },
    body: new Uint8Array(body),
    signal: AbortSignal.timeout(30_000),
  });
  return {
    status: response.status,
    contentType: response.headers.get("content-type") ?? "application/json",
    body: Buffer.from(await response.arrayBuffer()),
  };
}

interface Call {
  id?: unknown;
  method?: unknown;
  params?: unknown;
}

const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

/** The methods a JSON-RPC body calls, one entry per call (none for a body that is not JSON). */
export function calledMethods(request: Buffer): string[] {
  try {
    return (list(JSON.parse(request.toString())) as Call[]).map((c) => (c && typeof c.method === "string" ? c.method : "?"));
  } catch {
    return [];
  }
}

/** The raw txs of `eth_sendRawTransaction` calls whose answer (matched by id) carries a result. */
export function acceptedRawTxs(request: Buffer, answer: Buffer): Hex[] {
  let calls: Call[];
  let answers: Array<{ id?: unknown; result?: unknown }>;
  try {
    calls = list(JSON.parse(request.toString())) as Call[];
    answers = list(JSON.parse(answer.toString())) as typeof answers;
  } catch {
    return []; // not JSON: anvil refused it too, nothing was accepted
  }
  const answered = new Map(answers.filter((a) => a && a.result != null).map((a) => [JSON.stringify(a.id), a]));
  return calls
    .filter((c) => c && c.method === "eth_sendRawTransaction" && answered.has(JSON.stringify(c.id)))
    .map((c) => (Array.isArray(c.params) ? c.params[0] : undefined))
    .filter((raw): raw is Hex => typeof raw === "string" && raw.startsWith("0x"));
}
