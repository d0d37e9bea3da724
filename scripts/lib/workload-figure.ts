/** One row of `bench/workload-results.json`: written by `npm run workloads`, read by `npm run figures`. */
import type { TestMetrics } from "../../src/metrics/test-metrics";

export interface WorkloadFigure {
  label: string;
  pattern: string;
  type: string;
  targetTps: number;
  durationSec: number;
  accounts: number;
  status: string;
  verified: boolean;
  txSent: number;
  txConfirmed: number;
  txFailed: number;
  averageTps: number;
  confirmP50Ms: number;
  byType: TestMetrics["byType"];
}
