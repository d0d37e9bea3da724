/**
 * The adaptive pattern's part of the coordinator's tick: at most every ADAPT_INTERVAL_MS, the
 * pending count is sampled and the controller adapts the rate the tick then dispatches at. The
 * count is the node's pool (`txpool_status`: pending + queued); a node without that method, or
 * one that does not answer it this time, gives the run's own count (sent − included).
 */
import { fetchPoolCount } from "../chain/node-queries";
import type { JsonRpcClient } from "../chain/rpc";
import { adapt, adaptDue, newAdaptive } from "./adaptive";
import { adaptiveSettings } from "./patterns";
import type { LiveRun, RunRecord } from "./run-state";

export async function followPending(rpc: JsonRpcClient, run: RunRecord, live: LiveRun, now: number): Promise<void> {
  // The one state object is changed in place after the await: a reset meanwhile drops `live` whole.
  const state = (live.adaptive ??= newAdaptive(adaptiveSettings(run.request), run.startedAt ?? now));
  if (!adaptDue(state, now)) return;
  let pool: number | "unsupported" | undefined;
  if (!state.poolStatusUnsupported) {
    try {
      pool = await fetchPoolCount(rpc);
    } catch {
      pool = undefined;
    }
  }
  if (pool === "unsupported") state.poolStatusUnsupported = true;
  if (typeof pool === "number") adapt(state, pool, now, "txpool_status");
  else adapt(state, live.tracker.txPending, now, "tracker");
}
