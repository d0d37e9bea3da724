/**
 * D1 is one writer: a run faster than it can take gets one confirmed transaction in N logged,
 * chosen by hash (unbiased, and the same choice whenever a row is written again). Failures and
 * discards are rare and the interesting ones: they are always logged.
 */
import type { TxLog } from "./tracker";

export function logEvery(peakTps: number, maxLoggedTps: number): number {
  return Math.max(1, Math.ceil(peakTps / maxLoggedTps));
}

export function sampleLogs(logs: TxLog[], every: number): TxLog[] {
  if (every <= 1) return logs;
  return logs.filter((log) => log.status !== "confirmed" || Number.parseInt(log.hash.slice(-8), 16) % every === 0);
}
