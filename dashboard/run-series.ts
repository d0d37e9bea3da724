/** A finished run's per-second rows (D1 time series) as chart columns. Pure: tested in Node. */
import type { TimeSeriesRow } from "./types";

export type RunColumn = "second" | "targetTps" | "txSent" | "txConfirmed" | "txFailed" | "currentTps" | "pending" | "fillRate" | "mgasPerSec";

/** Columns by name, one entry per second of the run in order. */
export function runColumns(rows: TimeSeriesRow[]): Record<RunColumn, number[]> {
  const sorted = [...rows].sort((a, b) => a.second - b.second);
  const take = (pick: (r: TimeSeriesRow) => number) => sorted.map(pick);
  return {
    second: take((r) => r.second),
    targetTps: take((r) => r.targetTps),
    txSent: take((r) => r.txSent),
    txConfirmed: take((r) => r.txConfirmed),
    txFailed: take((r) => r.txFailed),
    currentTps: take((r) => r.currentTps),
    pending: take((r) => r.pending),
    fillRate: take((r) => r.fillRate),
    mgasPerSec: take((r) => r.mgasPerSec),
  };
}

/**
 * Two runs on one x axis (seconds since each one's start): the union of their seconds, each run's
 * value or null where it has no row, as uPlot's aligned data wants.
 */
export function alignRuns(a: TimeSeriesRow[], b: TimeSeriesRow[], pick: (r: TimeSeriesRow) => number): [number[], Array<number | null>, Array<number | null>] {
  const byA = new Map(a.map((r) => [r.second, pick(r)]));
  const byB = new Map(b.map((r) => [r.second, pick(r)]));
  const seconds = [...new Set([...byA.keys(), ...byB.keys()])].sort((x, y) => x - y);
  return [seconds, seconds.map((s) => byA.get(s) ?? null), seconds.map((s) => byB.get(s) ?? null)];
}
