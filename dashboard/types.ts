/**
 * The API's shapes, from the worker's own types: type imports of modules that import nothing of
 * the worker's runtime (the page's type check has no Durable Object types), nothing bundled.
 */
import type { TestRunRow, TimeSeriesRow } from "../src/db/schema";
import type { LatencySummary } from "../src/metrics/latency-sketch";
import type { RunStatus, TestMetrics, TypeFigures } from "../src/metrics/test-metrics";
import type { Verification } from "../src/run/audit";

export type { LatencySummary, RunStatus, TestMetrics, TimeSeriesRow, TypeFigures, Verification };

/** A run row as `/v1/history` gives it (the JSON columns typed as the worker writes them). */
export type HistoryRun = Omit<TestRunRow, "active" | "sendLatency" | "confirmLatency" | "byType" | "verification" | "errors" | "config" | "environment"> & {
  sendLatency: LatencySummary | null;
  confirmLatency: LatencySummary | null;
  byType: Record<string, TypeFigures> | null;
  verification: Verification | null;
  errors: Record<string, number> | null;
  config: Record<string, unknown>;
  environment: Record<string, unknown> | null;
};

export interface HistoryPage {
  runs: HistoryRun[];
  total: number;
  limit: number;
  offset: number;
}

export interface RunDetail {
  run: HistoryRun;
  timeSeries: TimeSeriesRow[];
}

export const ACTIVE_STATUSES: readonly RunStatus[] = ["initializing", "running", "verifying"];
